import { ERROR_CODES, PII_TYPES } from '@astrocyte/core';
import { z } from 'zod';

// The one description of every body the API reads or writes: requests are parsed with these schemas, responses are
// typed by them, and the OpenAPI document is generated from them (openapi-document.ts), so the three cannot drift.

/** Names the schemas of the OpenAPI document's `components.schemas`. */
export const schemaRegistry = z.registry<{ id: string; description?: string }>();

function named<S extends z.ZodType>(schema: S, id: string, description: string): S {
  schemaRegistry.add(schema, { id, description });
  return schema;
}

// Checked by the brain, whose rules (docs/governance.md) every surface shares: a stricter schema here refused forms
// the library takes, such as 2025-03-01T09:30Z.
// One rule is this API's own: a date-time names its offset. The library reads one without an offset in its process's
// time zone, which a client across the network cannot know: the same request stored another instant under another TZ.
const dateOrDateTime = z
  .string({ error: 'must be an ISO 8601 date or date-time string' })
  .refine(
    (value) => !/^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/i.test(value) || /(?:Z|[+-]\d{2}(?::?\d{2})?)\s*$/i.test(value),
    {
      error:
        "a date-time must give its offset, e.g. 2025-03-01T09:30:00Z or 2025-03-01T09:30:00+02:00: the server's time zone is not the client's",
    },
  )
  .describe(
    'An ISO 8601 date or date-time with its offset: 2025-03-01 (midnight UTC), 2025-03-01T09:30Z, 2025-03-01T09:30:00.250+02:00.',
  );
const instant = z.iso.datetime({ offset: true });
// An integer in [min, max], with one message for every way to miss it.
function integer(min: number, max: number, number: z.ZodNumber = z.number()): z.ZodNumber {
  const error = `must be an integer from ${min} to ${max}`;
  return number.int({ error }).min(min, { error }).max(max, { error });
}
const fraction = z
  .number()
  .min(0, { error: 'must be a number from 0 to 1' })
  .max(1, { error: 'must be a number from 0 to 1' });
// The brain counts, trims and merges tags (a blank one is dropped, a repeat merged; 32 distinct at most by default):
// a stricter schema here refused 33 copies of one tag that the library stores as one.
const tags = z
  .array(z.string())
  .describe('At most 32 distinct tags of up to 64 characters; blank ones are dropped, repeats merged.');
const text = z.string().min(1, { error: 'must not be empty' });
const metadata = z.record(z.string(), z.unknown());

// Requests

/** POST /v1/banks/{bank}/memories */
export const retainRequest = named(
  z.strictObject({
    content: text,
    tags: tags.optional(),
    metadata: metadata.optional(),
    occurred_at: dateOrDateTime.optional(),
  }),
  'RetainRequest',
  'A memory to retain; `occurred_at` is when the remembered event happened (default: now).',
);

/** One turn of POST /v1/banks/{bank}/conversations. */
export const conversationTurn = named(
  z.strictObject({
    speaker: text,
    text,
    occurred_at: dateOrDateTime.optional(),
    tags: tags.optional(),
    metadata: metadata.optional(),
  }),
  'ConversationTurn',
  "One turn of a conversation: who said what, and when; its tags are added to the conversation's.",
);

/** POST /v1/banks/{bank}/conversations */
export const conversationRequest = named(
  z.strictObject({
    session_id: text.optional(),
    turns: z.array(conversationTurn).min(1, { error: 'must hold at least one turn' }),
    occurred_at: dateOrDateTime.optional(),
    tags: tags.optional(),
  }),
  'ConversationRequest',
  'A conversation stored one memory per turn, in order, as an episode of `session_id` (default: a new session).',
);

/** POST /v1/banks/{bank}/recall */
export const recallRequest = named(
  z.strictObject({
    query: text,
    max_results: integer(1, 100).optional(),
    min_score: fraction.optional(),
  }),
  'RecallRequest',
  'What to search the bank for; `max_results` defaults to the configured `recall.max_results` (10 unless set), and ' +
    '`min_score` (0 to 1) leaves out hits that match the query less well.',
);

/** POST /v1/banks/{bank}/reflect */
export const reflectRequest = named(
  z.strictObject({ query: text }),
  'ReflectRequest',
  'A question answered from the bank.',
);

/** The query of GET /v1/banks/{bank}/memories. */
export const listQuery = z.strictObject({
  cursor: text.optional().meta({ description: 'The `next_cursor` of the previous page.' }),
  // Query parameters are strings: "20" is read as 20, in decimal digits only (Number would read "0x10" as 16 and
  // "1e3" as 1000).
  limit: z
    .preprocess(
      (value) => (typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value),
      integer(1, 1000, z.number({ error: 'must be an integer from 1 to 1000' })),
    )
    .optional()
    .meta({ description: 'Memories per page, 1 to 1000; default 50.' }),
});

// Responses

/** What happened to one retained text. */
export const retainResult = named(
  z.strictObject({
    stored: z.boolean(),
    memory_id: z.string().nullable(),
    deduplicated: z.boolean(),
    duplicate_of: z.string().optional(),
    merged_tags: z.array(z.string()).optional(),
    expires_at: z.string().nullable().optional(),
    chunk_ids: z.array(z.string()).optional(),
    redacted: z.array(z.enum(PII_TYPES)).optional(),
    warned: z.array(z.enum(PII_TYPES)).optional(),
    reason: z.string().optional(),
    bank_id: z.string().optional(),
  }),
  'RetainResult',
  'What retain did: stored (with the memory id), deduplicated against an existing memory, or not stored and why. ' +
    '`bank_id` is set when a rule routed the memory to another bank.',
);

/** The response of POST /v1/banks/{bank}/conversations. */
export const conversationResult = named(
  z.strictObject({ results: z.array(retainResult) }),
  'ConversationResult',
  'One retain result per turn, in order.',
);

const episode = z.strictObject({ id: z.string(), position: z.int().min(0) }).nullable();

// The fields a memory and a recall hit have alike; the same names `astrocyte export` writes.
const memoryFields = {
  id: z.string(),
  text: z.string(),
  tags: z.array(z.string()),
  metadata,
  path: z.string().nullable(),
  created_at: instant,
  occurred_at: instant.nullable(),
  speaker: z.string().nullable(),
  episode,
  document_id: z.string().nullable(),
};

/** A stored memory, as listed and exported. */
export const memory = named(
  z.strictObject({ ...memoryFields, expires_at: instant.nullable() }),
  'Memory',
  'A live memory: the line format of `astrocyte export` and `astrocyte import`.',
);

/** A recall hit: a memory and how well it matched. */
export const memoryHit = named(
  z.strictObject({ ...memoryFields, bank_id: z.string(), score: z.number().min(0).max(1) }),
  'MemoryHit',
  'A memory that matched, with its score in [0, 1], higher is better.',
);

/** The response of POST /v1/banks/{bank}/recall. */
export const recallResult = named(
  z.strictObject({ hits: z.array(memoryHit), total: z.int().min(0) }),
  'RecallResult',
  'The best hits, and how many memories matched before `max_results` cut the list.',
);

/** The response of POST /v1/banks/{bank}/reflect. */
export const reflectResult = named(
  z.strictObject({ answer: z.string(), mode: z.enum(['llm', 'extractive']), sources: z.array(memoryHit) }),
  'ReflectResult',
  'An answer from memory, written by the configured LLM or extractive without one, and the memories it used.',
);

/** The response of GET /v1/banks/{bank}/memories. */
export const memoryPage = named(
  z.strictObject({ items: z.array(memory), next_cursor: z.string().nullable() }),
  'MemoryPage',
  'One page of the live memories, oldest first; pass `next_cursor` back as `cursor` for the next (null: no more).',
);

/** One row of a memory's history. */
export const memoryVersion = named(
  z.strictObject({
    version: z.int().min(1),
    action: z.enum(['create', 'supersede', 'redact', 'expire', 'forget']),
    at: instant,
    text: z.string().nullable(),
    actor: z.string().nullable(),
    reason: z.string().nullable(),
    related_id: z.string().nullable(),
  }),
  'MemoryVersion',
  'One point of a memory’s life; `text` is null once the memory is forgotten (a content-free tombstone).',
);

/** The response of GET /v1/banks/{bank}/memories/{id}/history. */
export const memoryHistory = named(
  z.strictObject({ versions: z.array(memoryVersion) }),
  'MemoryHistory',
  'The versions of a memory, oldest first.',
);

/** The response of DELETE /v1/banks/{bank}/memories/{id}. */
export const forgetResult = named(
  z.strictObject({ deleted_count: z.int().min(1) }),
  'ForgetResult',
  'How many memories were erased: the one named, or every chunk of the long text it belongs to.',
);

/** The response of GET /healthz. */
export const healthResult = named(
  z.strictObject({ status: z.literal('ok') }),
  'Health',
  'The server answers; tells nothing of the banks.',
);

/** Every error response. */
export const errorBody = named(
  z.strictObject({
    error: z.strictObject({
      code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  }),
  'Error',
  'A typed error: its stable `code` (docs/errors.md), a message for people, and JSON `details` (`field` for invalid ' +
    'input, `retryAfter` seconds for a limit).',
);
