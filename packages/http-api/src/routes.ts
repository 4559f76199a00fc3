import {
  type AstrocyteContext,
  type Brain,
  hitToJson,
  type JsonObject,
  memoryToJson,
  NotFoundError,
  PolicyError,
  retainResultToJson,
  versionToJson,
} from '@astrocyte/core';
import type { z } from 'zod';
import { exportStream } from './export-stream.js';
import {
  conversationRequest,
  conversationResult,
  forgetResult,
  listQuery,
  memory,
  memoryHistory,
  memoryPage,
  recallRequest,
  recallResult,
  reflectRequest,
  reflectResult,
  retainRequest,
  retainResult,
} from './http-schemas.js';

/** What a route's handler is given: the brain, the bank and memory id from the path, the parsed body and query. */
export interface RouteInput<Body, Query> {
  brain: Brain;
  bank: string;
  /** The `{id}` of the path; empty for routes without one. */
  id: string;
  body: Body;
  query: Query;
  /** The caller's principal and the request id, for every Brain call. */
  context: AstrocyteContext;
  /**
   * Reports a failure after the response started (a later page of a stream): `onError` hears of a 5xx, and the
   * connection is cut, so that the client sees the response end short instead of complete. False where the server
   * has no connection to cut (an adapter other than Node's): the stream must then fail itself.
   */
  failedMidway(error: unknown): boolean;
}

/** A route's answer: JSON, or a stream of JSON Lines. */
export type RouteOutput = { status: number; json: unknown } | { status: number; ndjson: ReadableStream<Uint8Array> };

/** One documented response of a route. */
export interface RouteResponse {
  description: string;
  schema: z.ZodType;
  /** Defaults to application/json; an `application/x-ndjson` schema describes each line. */
  contentType?: 'application/json' | 'application/x-ndjson';
}

/**
 * One route of the API: what the server registers and what the OpenAPI document describes, from the same object. The
 * path is in OpenAPI form (`/v1/banks/{bank}/memories`); every `/v1` path starts with the bank.
 */
export interface Route<Body = unknown, Query = unknown> {
  method: 'get' | 'post' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  body?: z.ZodType<Body>;
  query?: z.ZodObject;
  responses: Record<number, RouteResponse>;
  handle(input: RouteInput<Body, Query>): Promise<RouteOutput>;
}

// The generic parameters tie each handler to its own schemas; the table holds them all as one type.
function route<Body = undefined, Query = undefined>(definition: Route<Body, Query>): Route {
  return definition as unknown as Route;
}

const created = (stored: boolean) => (stored ? 201 : 200);

/** Every route under /v1, in the order the OpenAPI document lists them. */
export const ROUTES: Route[] = [
  route<z.infer<typeof retainRequest>>({
    method: 'post',
    path: '/v1/banks/{bank}/memories',
    operationId: 'retain',
    summary: 'Retain a memory',
    body: retainRequest,
    responses: {
      201: { description: 'Stored.', schema: retainResult },
      200: {
        description: 'Not stored: a duplicate of an existing memory, or rejected by policy (`reason`).',
        schema: retainResult,
      },
    },
    async handle({ brain, bank, body, context }) {
      const result = await brain.retain(body.content, {
        bankId: bank,
        ...(body.tags ? { tags: body.tags } : {}),
        ...(body.metadata ? { metadata: body.metadata as JsonObject } : {}),
        ...(body.occurred_at ? { occurredAt: body.occurred_at } : {}),
        context,
      });
      return { status: created(result.stored), json: retainResultToJson(result) };
    },
  }),
  route<z.infer<typeof conversationRequest>>({
    method: 'post',
    path: '/v1/banks/{bank}/conversations',
    operationId: 'retainConversation',
    summary: 'Retain a conversation, one memory per turn',
    body: conversationRequest,
    responses: {
      201: { description: 'At least one turn stored.', schema: conversationResult },
      200: { description: 'No turn stored (duplicates or rejected).', schema: conversationResult },
    },
    async handle({ brain, bank, body, context }) {
      const turns = body.turns.map((turn) => ({
        speaker: turn.speaker,
        text: turn.text,
        ...(turn.occurred_at ? { occurredAt: turn.occurred_at } : {}),
        ...(turn.tags ? { tags: turn.tags } : {}),
        ...(turn.metadata ? { metadata: turn.metadata as JsonObject } : {}),
      }));
      const results = await brain.retainConversation(turns, {
        bankId: bank,
        ...(body.session_id ? { sessionId: body.session_id } : {}),
        ...(body.occurred_at ? { occurredAt: body.occurred_at } : {}),
        ...(body.tags ? { tags: body.tags } : {}),
        context,
      });
      return {
        status: created(results.some((result) => result.stored)),
        json: { results: results.map(retainResultToJson) } satisfies z.infer<typeof conversationResult>,
      };
    },
  }),
  route<z.infer<typeof recallRequest>>({
    method: 'post',
    path: '/v1/banks/{bank}/recall',
    operationId: 'recall',
    summary: 'Recall the memories most relevant to a query',
    body: recallRequest,
    responses: { 200: { description: 'The best hits, best first.', schema: recallResult } },
    async handle({ brain, bank, body, context }) {
      // Without max_results, the brain's configured `recall.max_results` applies, as for every other caller.
      const result = await brain.recall(body.query, {
        bankId: bank,
        ...(body.max_results === undefined ? {} : { maxResults: body.max_results }),
        ...(body.min_score === undefined ? {} : { minScore: body.min_score }),
        context,
      });
      return {
        status: 200,
        json: { hits: result.hits.map(hitToJson), total: result.totalAvailable } satisfies z.infer<typeof recallResult>,
      };
    },
  }),
  route<z.infer<typeof reflectRequest>>({
    method: 'post',
    path: '/v1/banks/{bank}/reflect',
    operationId: 'reflect',
    summary: 'Answer a question from memory',
    body: reflectRequest,
    responses: { 200: { description: 'The answer and its sources.', schema: reflectResult } },
    async handle({ brain, bank, body, context }) {
      const result = await brain.reflect(body.query, { bankId: bank, context });
      return {
        status: 200,
        json: {
          answer: result.answer,
          mode: result.mode,
          sources: result.sources.map(hitToJson),
        } satisfies z.infer<typeof reflectResult>,
      };
    },
  }),
  route<undefined, z.infer<typeof listQuery>>({
    method: 'get',
    path: '/v1/banks/{bank}/memories',
    operationId: 'list',
    summary: 'List the live memories of a bank, a page at a time',
    query: listQuery,
    responses: { 200: { description: 'One page, oldest first.', schema: memoryPage } },
    async handle({ brain, bank, query, context }) {
      const page = await brain.list(bank, {
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
        context,
      });
      return {
        status: 200,
        json: { items: page.items.map(memoryToJson), next_cursor: page.nextCursor } satisfies z.infer<
          typeof memoryPage
        >,
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/banks/{bank}/memories/{id}/history',
    operationId: 'history',
    summary: 'The history of a memory, forgotten ones included',
    responses: { 200: { description: 'Every version, oldest first.', schema: memoryHistory } },
    async handle({ brain, bank, id, context }) {
      const versions = await brain.history(bank, id, { context });
      return {
        status: 200,
        json: { versions: versions.map(versionToJson) } satisfies z.infer<typeof memoryHistory>,
      };
    },
  }),
  route({
    method: 'delete',
    path: '/v1/banks/{bank}/memories/{id}',
    operationId: 'forget',
    summary: 'Forget a memory: erase its text everywhere, keep a content-free tombstone in its history',
    responses: { 200: { description: 'Erased.', schema: forgetResult } },
    async handle({ brain, bank, id, context }) {
      const result = await brain.forget(bank, { memoryIds: [id], context });
      if (result.deletedCount === 0) {
        // The forget policy kept it (legal hold, minimum age): a conflict the caller can resolve, unlike a wrong id.
        const kept = result.skipped?.[0];
        if (kept)
          throw new PolicyError(`memory ${id} was not forgotten: ${kept.reason}`, { details: { memoryId: id } });
        throw new NotFoundError(`no memory ${id} in bank ${bank}`, { details: { memoryId: id } });
      }
      return { status: 200, json: { deleted_count: result.deletedCount } satisfies z.infer<typeof forgetResult> };
    },
  }),
  route({
    method: 'get',
    path: '/v1/banks/{bank}/export',
    operationId: 'export',
    summary: 'Every live memory of a bank as JSON Lines, oldest first',
    responses: {
      200: {
        description: 'One memory per line, in the format `astrocyte import` reads.',
        schema: memory,
        contentType: 'application/x-ndjson',
      },
    },
    async handle({ brain, bank, context, failedMidway }) {
      return { status: 200, ndjson: await exportStream(brain, bank, context, failedMidway) };
    },
  }),
];
