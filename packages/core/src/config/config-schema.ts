import { z } from 'zod';
import { accessFields, grantSchema, someQuota, someSubject } from '../access/access-options.js';
import { DEFAULTS } from '../defaults.js';
import { forgetPolicyFields, piiPolicyFields, rulesField, scanOutputField } from '../governance/policy-schema.js';
import { BANK_ID, BANK_ID_RULE } from '../validation.js';

/** The `storage.backend` values: `memory` is built in, each other names the package `@astrocyte/brain-<name>`. */
export const BACKEND_NAMES = ['sqlite', 'postgres', 'memory'] as const;

// Each backend validates its own section when it opens (see open-backend.ts); here a section only has to be a mapping.
const backendSection = z.record(z.string(), z.unknown()).optional();

const storage = z.strictObject({
  backend: z.enum(BACKEND_NAMES).default(DEFAULTS.storage.backend),
  sqlite: backendSection,
  postgres: backendSection,
  memory: backendSection,
});

const providerTuning = {
  api_key: z.string().min(1).optional(),
  base_url: z.url().optional(),
  timeout_ms: z.number().int().min(100).max(600_000).optional(),
  max_retries: z.number().int().min(0).max(10).optional(),
};

const embedding = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('local'),
    dimensions: z.number().int().min(32).max(4096).default(DEFAULTS.embedding.localDimensions),
  }),
  z.strictObject({
    provider: z.literal('openai'),
    model: z.string().min(1).default(DEFAULTS.embedding.openaiModel),
    dimensions: z.number().int().min(1).max(16_000),
    batch_size: z.number().int().min(1).max(2048).optional(),
    ...providerTuning,
  }),
]);

const llm = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('none') }),
  z.strictObject({
    provider: z.literal('anthropic'),
    model: z.string().min(1).default(DEFAULTS.llm.anthropicModel),
    max_tokens: z.number().int().min(1).max(64_000).optional(),
    ...providerTuning,
  }),
  z.strictObject({
    provider: z.literal('openai'),
    model: z.string().min(1).default(DEFAULTS.llm.openaiModel),
    max_tokens: z.number().int().min(1).max(64_000).optional(),
    ...providerTuning,
  }),
]);

const governance = z.strictObject({
  pii: z.strictObject({ ...piiPolicyFields, scan_output: scanOutputField }).prefault({}),
  dedup: z
    .strictObject({
      near_threshold: z.number().gt(0).max(1).default(DEFAULTS.dedup.nearThreshold),
      action: z.enum(['skip', 'keep']).default(DEFAULTS.dedup.action),
    })
    .prefault({}),
  rules: rulesField,
  forget: z
    .strictObject({
      legal_hold_tags: forgetPolicyFields.legalHoldTags,
      min_age_days: forgetPolicyFields.minAgeDays,
      max_per_call: forgetPolicyFields.maxPerCall,
    })
    .prefault({}),
});

const access = z.strictObject({
  grants: z.array(grantSchema),
  quotas: z
    .array(
      z
        .strictObject({
          banks: accessFields.limitBanks,
          max_memories: accessFields.count.optional(),
          max_bytes_per_day: accessFields.count.optional(),
        })
        .refine(...someQuota('max_memories', 'max_bytes_per_day')),
    )
    .default([]),
  rate_limits: z
    .array(
      z
        .strictObject({
          principal: accessFields.limitPrincipal.optional(),
          banks: accessFields.limitBanks.optional(),
          operations_per_minute: accessFields.count,
        })
        .refine(...someSubject('principal', 'banks')),
    )
    .default([]),
  /** Bearer tokens of `astrocyte serve` and `astrocyte mcp --http`, each mapped to the principal it authenticates. */
  tokens: z
    .array(z.strictObject({ token: accessFields.token, principal: accessFields.principal }))
    .default([])
    .superRefine((tokens, ctx) => {
      // The message names where the token is given, never the token.
      const first = new Map<string, number>();
      tokens.forEach(({ token }, i) => {
        const earlier = first.get(token);
        if (earlier === undefined) first.set(token, i);
        else
          ctx.addIssue({ code: 'custom', path: [i, 'token'], message: `is the same token as tokens.${earlier}.token` });
      });
    }),
});

/** The schema of `astrocyte.yaml`. Every object is strict: an unknown key is an error. */
export const configSchema = z.strictObject({
  storage: storage.prefault({}),
  embedding: embedding.default({ provider: 'local', dimensions: DEFAULTS.embedding.localDimensions }),
  llm: llm.default({ provider: 'none' }),
  recall: z
    .strictObject({
      max_results: z.number().int().min(1).max(100).default(DEFAULTS.recall.maxResults),
      recency_half_life_days: z.number().positive().nullable().default(null),
      /** How much vector similarity counts beside keyword rank; unset, it depends on the embedder (see docs). */
      vector_weight: z.number().min(0).max(1).optional(),
      /** Words taken from the best keyword hits for a second search (pseudo-relevance feedback); 0 turns it off. */
      feedback_terms: z.number().int().min(0).max(20).default(DEFAULTS.recall.feedbackTerms),
      /** What the score of a hit that mostly repeats a better hit's words is multiplied by; 1 turns it off. */
      repeat_factor: z.number().min(0).max(1).default(DEFAULTS.recall.repeatFactor),
      /** How much more a hit said by a speaker the query names counts (its score times 1 + this); 0 turns it off. */
      speaker_boost: z.number().min(0).max(1).default(DEFAULTS.recall.speakerBoost),
    })
    .prefault({}),
  reflect: z
    .strictObject({
      max_sources: z.number().int().min(1).max(50).default(DEFAULTS.reflect.maxSources),
      max_prompt_tokens: z.number().int().min(256).max(200_000).default(DEFAULTS.reflect.maxPromptTokens),
    })
    .prefault({}),
  limits: z
    .strictObject({
      max_content_length: z.number().int().min(1).max(16_000_000).default(DEFAULTS.limits.maxContentLength),
      chunk_size: z.number().int().min(200).max(1_000_000).default(DEFAULTS.limits.chunkSize),
    })
    .prefault({}),
  governance: governance.prefault({}),
  /** The bank the `astrocyte` command and the MCP server use when no --bank is given. */
  // Checked as it loads, naming the file and line: a bad one failed later as if --bank had been given.
  bank: z
    .string()
    .regex(BANK_ID, { error: `must be a bank id: ${BANK_ID_RULE}` })
    .optional(),
  /** Which tools `astrocyte mcp` offers; forget is off unless enabled because deletion is permanent. */
  mcp: z
    .strictObject({ include_forget: z.boolean().default(false), include_reflect: z.boolean().default(true) })
    .prefault({}),
  /** Hook events (`brain.on`) carry memory text, queries and forget reasons only when `include_text` is true. */
  hooks: z.strictObject({ include_text: z.boolean().default(false) }).prefault({}),
  /** Grants, quotas, rate limits and bearer tokens (docs/access.md); without it, nothing is checked. */
  access: access.optional(),
});

/** A validated configuration, defaults filled in. */
export type AstrocyteConfig = z.output<typeof configSchema>;
export type EmbeddingConfig = AstrocyteConfig['embedding'];
export type LlmConfig = AstrocyteConfig['llm'];
export type GovernanceConfig = AstrocyteConfig['governance'];
/** The `access:` section, validated: principals in full `kind:name` form. */
export type AccessConfig = NonNullable<AstrocyteConfig['access']>;
/** A bearer token of `access.tokens` and the principal it authenticates, for the servers that take tokens. */
export type AccessTokenConfig = AccessConfig['tokens'][number];
