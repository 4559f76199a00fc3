export { abortableSleep } from './abortable-sleep.js';
export type {
  AccessOptions,
  AuditEntry,
  AuditQuery,
  Grant,
  Permission,
  Quota,
  RateLimit,
} from './access/access-types.js';
export { PERMISSIONS } from './access/access-types.js';
export { PRINCIPAL_KINDS, parsePrincipal } from './access/principal.js';
export type { StoreAccessLedger, StoreAuditQuery } from './access/store-access-ledger.js';
export { Astrocyte, type AstrocyteOptions } from './astrocyte.js';
export type { BackendModule, OpenContext } from './backend-module.js';
export {
  type AccessConfig,
  type AccessTokenConfig,
  type AstrocyteConfig,
  brainFromConfig,
  type LoadedConfig,
  loadConfigFile,
  parseConfig,
} from './config/load-config.js';
export { astrocyteContextSchema } from './context-schema.js';
export { DEFAULTS } from './defaults.js';
export type { Embedder } from './embedders/embedder.js';
export { LocalEmbedder } from './embedders/local-embedder.js';
export { OpenAIEmbedder, type OpenAIEmbedderOptions } from './embedders/openai-embedder.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export * from './errors.js';
export { type ForgetVerdict, Governance, type GovernanceOptions } from './governance/governance.js';
export type { PiiAction, PiiOverrides, PiiPolicy } from './governance/pii-barrier.js';
export { detectPii, PII_TYPES, type PiiFinding, placeholder, redactFindings } from './governance/pii-detectors.js';
export type { RuleDefinition } from './governance/rule-schema.js';
export { type CompiledRule, compileRules, evaluateRules, loadRulesFile, parseRulesText } from './governance/rules.js';
export { type DiagnoseOptions, type Diagnosis, type DiagnosisCheck, diagnose } from './health/diagnose.js';
export type { LastFailure } from './health/failure-log.js';
export type { HealthReport, ReembeddingInProgress, StoreHealth } from './health/health-report.js';
export type {
  ForgetEvent,
  HookEventBase,
  HookEventName,
  HookEvents,
  HookListener,
  ListenerErrorHandler,
  RecallEvent,
  RedactEvent,
  RejectEvent,
  RetainEvent,
  RetainOperation,
} from './hooks/hook-events.js';
export {
  type AccessCheck,
  type Admitted,
  accessCheck,
  type BearerToken,
  checkAllowedHosts,
  checkTokens,
  type HttpAccessOptions,
  isLoopback,
  type Refusal,
} from './http/http-access.js';
export { jsonBodyHeadersProblem } from './http/json-body-headers.js';
export { type Listening, listenOn } from './http/listen-on.js';
export { answerMalformedRequests } from './http/malformed-requests.js';
export { bodyBytesFor, DEFAULT_MAX_BODY_BYTES } from './http/request-body-limit.js';
export { readJsonBytes } from './json-bytes.js';
export { AnthropicLLM } from './llm/anthropic-llm.js';
export type { CompletionRequest, LLM } from './llm/llm.js';
export { OpenAILLM } from './llm/openai-llm.js';
export type * from './llm/provider-llm-options.js';
export { type LostKey, lostKey, lostKeyError, PROTOTYPE_KEY_REASON } from './lost-keys.js';
export {
  hitToJson,
  type MemoryHitJson,
  type MemoryJson,
  type MemoryVersionJson,
  memoryToJson,
  type RetainResultJson,
  retainResultToJson,
  versionToJson,
} from './memory-json.js';
export type { MemoryStore } from './memory-store.js';
export { didYouMean } from './nearest-key.js';
export { httpStatus, isPermanentClientError } from './providers/http-status.js';
export type { AnthropicClient, OpenAIClient } from './providers/sdk-clients.js';
export type { RecallTuning } from './recall/recall-tuning.js';
export { embeddingSectionFromYaml } from './reembed/reembed-target.js';
export type { ReembedOptions, ReembedProgress, ReembedResult } from './reembed/reembed-types.js';
export type { ReembedState } from './reembed/store-reembedding.js';
export { snakeCase } from './text.js';
export { handleMemoryTool, type MemoryToolBinding } from './tools/handle-memory-tool.js';
export { parseToolInput } from './tools/parse-tool-input.js';
export {
  isMemoryTool,
  MEMORY_TOOL_NAMES,
  type MemoryToolChoice,
  type MemoryToolDefinition,
  type MemoryToolName,
  memoryToolDefinitions,
} from './tools/tool-definitions.js';
export { isServerFailure, toolFailureText } from './tools/tool-failure.js';
export type * from './types.js';
export { lineNotUtf8 } from './utf8-lines.js';
export { checkBankId, checkDate, checkKnownKeys, checkMemoryId, describeValue, type Limits } from './validation.js';
export { type ZodProblem, zodProblem } from './zod-problem.js';
