import { DEFAULTS } from '@astrocyte/core';
import { embedderInfoSchema, parsePackageOptions } from '@astrocyte/core/backend';
import pg from 'pg';
import { z } from 'zod';

const PACKAGE = '@astrocyte/brain-postgres';

function isPool(value: unknown): value is pg.Pool {
  const candidate = value as { connect?: unknown; query?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.connect === 'function' &&
    typeof candidate.query === 'function'
  );
}

// pg reads the connection string only when it opens the first connection, where an unencoded "#", "/" or "?" in the
// password fails as "Invalid URL", naming nothing. A Client reads it as it is built, with pg's own rules, and
// connects only when asked. Other failures (a certificate file it names that is missing) are left to the connection.
function isReadableUrl(connectionString: string): boolean {
  try {
    new pg.Client({ connectionString });
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== 'ERR_INVALID_URL';
  }
}

const hnswSchema = z.strictObject({
  /** Graph links per node; more is better recall, more memory and slower builds. */
  m: z.number().int().min(2).max(100).default(16),
  /** Candidate list size while building; must be at least 2 * m. */
  efConstruction: z.number().int().min(4).max(1000).default(64),
  /** Candidate list size while recalling; raised to the query's limit when that is larger. */
  efSearch: z.number().int().min(1).max(1000).default(100),
});

/** The options of `openPostgresStore`: where the server is and which schema holds the tables. */
export const postgresStoreOptionsSchema = z
  .strictObject({
    connectionString: z
      .string()
      .min(1, 'must not be empty')
      .refine(
        isReadableUrl,
        'is not a valid URL; percent-encode special characters in the user and password (encodeURIComponent: # as %23, / as %2F, ? as %3F, @ as %40)',
      )
      .optional(),
    pool: z.custom<pg.Pool>(isPool, 'must be a pg Pool (an object with connect() and query())').optional(),
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _; at most 63)')
      .default(DEFAULTS.storage.postgresSchema),
    maxConnections: z.number().int().min(1).max(1000).optional(),
    connectionTimeoutMillis: z.number().int().min(1).max(600_000).default(15_000),
    hnsw: hnswSchema.prefault({}),
    /** Open only a schema that holds a store (`storage_database_missing` otherwise) instead of creating one. */
    mustExist: z.boolean().default(false),
    /**
     * The embedder the store will be used with: a schema that records another is refused (EmbedderMismatchError)
     * before it is upgraded, so that it stays as the release that wrote it left it. `ensureEmbedder` records it.
     */
    embedder: embedderInfoSchema.optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.connectionString === undefined) === (value.pool === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['connectionString'],
        message: 'give exactly one of connectionString or pool',
      });
    }
    if (value.pool !== undefined && value.maxConnections !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxConnections'],
        message: 'applies only with connectionString; size your own pool yourself',
      });
    }
    if (value.hnsw.efConstruction < 2 * value.hnsw.m) {
      ctx.addIssue({ code: 'custom', path: ['hnsw', 'efConstruction'], message: 'must be at least 2 * hnsw.m' });
    }
  });

/** What callers pass to `openPostgresStore`. */
export type PostgresStoreOptions = z.input<typeof postgresStoreOptionsSchema>;
/** Options after defaults. */
export type ResolvedPostgresStoreOptions = z.output<typeof postgresStoreOptionsSchema>;

/** Parses options with `schema`; the first problem throws ConfigError (`invalid_options`) naming the package and field. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  return parsePackageOptions(PACKAGE, schema, input);
}
