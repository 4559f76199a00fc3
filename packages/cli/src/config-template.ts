import { DEFAULTS } from '@astrocyte/core';

/** The commented `astrocyte.yaml` that `astrocyte init` writes: the embedded defaults, every other choice shown. */
export const CONFIG_TEMPLATE = `# astrocyte.yaml: long-term memory for AI agents.
# Every key is optional; what is written here is the default. \${VAR} reads an environment variable,
# \${VAR:-fallback} gives a fallback. Unknown keys are errors, so a typo never goes unnoticed.

# The bank the astrocyte command and the MCP server use when no --bank is given.
# bank: default

storage:
  backend: ${DEFAULTS.storage.backend}            # sqlite (embedded, one file) | postgres | memory (nothing survives the process)
  sqlite:
    path: ${DEFAULTS.storage.sqlitePath}     # relative to this file
    synchronous: full             # full: a write returns once on disk | normal: faster, a power cut may lose the last writes
  # postgres:
  #   url: \${DATABASE_URL}
  #   schema: ${DEFAULTS.storage.postgresSchema}
  #   max_connections: 10

embedding:
  provider: local            # deterministic and offline, no model weights; lexical rather than semantic
  dimensions: ${DEFAULTS.embedding.localDimensions}
  # provider: openai         # any OpenAI-compatible endpoint: OpenAI, Azure, Ollama, vLLM, LM Studio
  # model: ${DEFAULTS.embedding.openaiModel}
  # dimensions: 1536
  # api_key: \${OPENAI_API_KEY}
  # base_url: http://localhost:11434/v1
  # A store remembers the embedder that wrote it and refuses another one.

llm:
  provider: none             # reflect answers extractively, quoting the top memories
  # provider: anthropic      # or openai; reflect then writes an answer citing its sources
  # model: ${DEFAULTS.llm.anthropicModel}
  # api_key: \${ANTHROPIC_API_KEY}

recall:
  max_results: ${DEFAULTS.recall.maxResults}
  recency_half_life_days: null   # a number of days makes older memories rank lower

reflect:
  max_sources: ${DEFAULTS.reflect.maxSources}
  max_prompt_tokens: ${DEFAULTS.reflect.maxPromptTokens}

limits:
  max_content_length: ${DEFAULTS.limits.maxContentLength}  # characters per retained text
  chunk_size: ${DEFAULTS.limits.chunkSize}             # a longer text is stored as an episode of chunks this long

governance:
  pii:
    default: redact          # redact | reject | warn | off, for every kind of personal data found on retain
    overrides: {}            # per kind, e.g. { credit_card: reject, ip_address: off }
    scan_output: false       # also mask personal data in what recall and reflect return
  dedup:
    near_threshold: ${DEFAULTS.dedup.nearThreshold}     # cosine similarity at which a new memory counts as a duplicate
    action: ${DEFAULTS.dedup.action}             # skip | keep
  forget:
    legal_hold_tags: [legal-hold]
    min_age_days: 0
    max_per_call: 1000
  # rules: ./rules.yaml      # compliance rules; check one with: astrocyte rules explain "some content"

mcp:
  include_forget: false      # offer memory_forget to MCP clients (deletion is permanent)
  include_reflect: true
`;
