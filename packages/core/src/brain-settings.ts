import { parseAccessOptions, type ValidAccessOptions } from './access/access-options.js';
import type { AstrocyteOptions } from './astrocyte.js';
import { DEFAULTS } from './defaults.js';
import { ValidationError } from './errors.js';
import type { ListenerErrorHandler } from './hooks/hook-events.js';
import { OPTION_KEYS } from './option-keys.js';
import { checkFraction, checkInteger, checkKnownKeys, checkLimits, describeValue, type Limits } from './validation.js';

/** The brain's options other than its parts (store, embedder, LLM, governance, access, clock), checked. */
export interface BrainSettings {
  limits: Limits;
  /** Null when near-duplicates are kept (`dedup.action: keep`). */
  nearThreshold: number | null;
  maxResults: number;
  recencyHalfLifeDays: number | null;
  /** Unset, the weight follows the embedder. */
  vectorWeight: number | undefined;
  feedbackTerms: number;
  repeatFactor: number;
  speakerBoost: number;
  maxSources: number;
  maxPromptTokens: number;
  includeText: boolean;
  onListenerError: ListenerErrorHandler | undefined;
  /** Undefined without access control. */
  access: ValidAccessOptions | undefined;
}

const SECTIONS = [
  ['dedup', OPTION_KEYS.dedup],
  ['recall', OPTION_KEYS.recallTuning],
  ['reflect', OPTION_KEYS.reflectTuning],
  ['hooks', OPTION_KEYS.hooks],
] as const;

/**
 * Checks the settings sections of a brain's options (`limits`, `dedup`, `recall`, `reflect`, `hooks`, `access`):
 * known keys, values in range; a ValidationError (a ConfigError for `access`) names the first problem. Needs no store, so that a backend's create function
 * checks them before it opens one: bad options then leave no new file or schema behind.
 */
export function checkBrainSettings(options: Omit<AstrocyteOptions, 'store' | 'embedder'>): BrainSettings {
  for (const [section, known] of SECTIONS) {
    const value: unknown = options[section];
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ValidationError(section, `must be an object, got ${describeValue(value)}`);
    checkKnownKeys(value, known, `${section}.`, `an option of ${section}`);
  }
  const { dedup, recall, reflect, hooks } = options;
  const limits = checkLimits(options.limits);
  const threshold = dedup?.nearThreshold ?? DEFAULTS.dedup.nearThreshold;
  if (!(threshold > 0 && threshold <= 1)) throw new ValidationError('dedup.nearThreshold', 'must be in (0, 1]');
  const action = dedup?.action ?? 'skip';
  if (action !== 'skip' && action !== 'keep')
    throw new ValidationError('dedup.action', `must be "skip" or "keep", got ${describeValue(action)}`);
  const recencyHalfLifeDays = recall?.recencyHalfLifeDays ?? null;
  if (recencyHalfLifeDays !== null && !(typeof recencyHalfLifeDays === 'number' && recencyHalfLifeDays > 0))
    throw new ValidationError(
      'recall.recencyHalfLifeDays',
      `must be a number of days above 0, or null, got ${describeValue(recencyHalfLifeDays)}`,
    );
  const { includeText = false, onListenerError } = hooks ?? {};
  if (typeof includeText !== 'boolean') throw new ValidationError('hooks.includeText', 'must be true or false');
  if (onListenerError !== undefined && typeof onListenerError !== 'function')
    throw new ValidationError('hooks.onListenerError', 'must be a function');
  return {
    limits,
    nearThreshold: action === 'keep' ? null : threshold,
    maxResults: checkInteger(recall?.maxResults, 'recall.maxResults', 1, limits.maxResults, DEFAULTS.recall.maxResults),
    recencyHalfLifeDays,
    vectorWeight: checkFraction(recall?.vectorWeight, 'recall.vectorWeight', undefined),
    feedbackTerms: checkInteger(recall?.feedbackTerms, 'recall.feedbackTerms', 0, 20, DEFAULTS.recall.feedbackTerms),
    repeatFactor: checkFraction(recall?.repeatFactor, 'recall.repeatFactor', DEFAULTS.recall.repeatFactor),
    speakerBoost: checkFraction(recall?.speakerBoost, 'recall.speakerBoost', DEFAULTS.recall.speakerBoost),
    maxSources: checkInteger(reflect?.maxSources, 'reflect.maxSources', 1, 50, DEFAULTS.reflect.maxSources),
    maxPromptTokens: checkInteger(
      reflect?.maxPromptTokens,
      'reflect.maxPromptTokens',
      256,
      200_000,
      DEFAULTS.reflect.maxPromptTokens,
    ),
    includeText,
    onListenerError,
    // A ConfigError naming the field, as in astrocyte.yaml's access section.
    access: options.access === undefined ? undefined : parseAccessOptions(options.access),
  };
}
