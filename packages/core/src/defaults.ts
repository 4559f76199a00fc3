/**
 * Every default a user can change, in one place: the config schema, the pipeline, the embedders and LLMs, the
 * backends and `astrocyte init`'s template all read them from here.
 */
export const DEFAULTS = {
  storage: {
    backend: 'sqlite',
    /** Relative to the config file's folder. */
    sqlitePath: './astrocyte.db',
    postgresSchema: 'astrocyte',
  },
  embedding: {
    localDimensions: 384,
    openaiModel: 'text-embedding-3-small',
  },
  llm: {
    anthropicModel: 'claude-sonnet-4-6',
    openaiModel: 'gpt-4.1-mini',
  },
  recall: {
    maxResults: 10,
    /**
     * Measured on the dev sets (docs/benchmarks.md). The local embedder is lexical: it finds what keyword search
     * finds, less precisely, so it weighs little; a neural model earns more (0.7, measured with a sentence encoder:
     * the only weight at or above both searches on every set on SQLite).
     */
    lexicalVectorWeight: 0.15,
    modelVectorWeight: 0.7,
    /** Feedback helped on RealMem and hurt on the synthetic set, so it is off unless configured. */
    feedbackTerms: 0,
    /** A repeat of a better hit keeps 0.3 of its score: measured on the dev sets, 0 to 0.3 did as well. */
    repeatFactor: 0.3,
    /**
     * Measured on the dev sets: 0.5 to 2 did as well on the generated sets, whose questions all name a speaker; RealMem's
     * seldom do, and it moved by at most 0.001.
     */
    speakerBoost: 0.5,
  },
  reflect: {
    maxSources: 5,
    maxPromptTokens: 4000,
  },
  limits: {
    /** Characters per retained text. */
    maxContentLength: 1_000_000,
    /** A longer text is stored as an episode of chunks of at most this many characters. */
    chunkSize: 4000,
  },
  dedup: {
    /** Cosine similarity at which a new memory counts as a near duplicate of a stored one. */
    nearThreshold: 0.95,
    action: 'skip',
  },
  reembed: {
    /** Memories per embedding request and per staging transaction: small enough that an interruption loses little. */
    batchSize: 256,
  },
} as const;
