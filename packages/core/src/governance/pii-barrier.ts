import type { JsonObject, JsonValue, PiiType } from '../types.js';
import { compileBankPattern } from './bank-pattern.js';
import { detectPii, PII_TYPES, type PiiFinding, redactFindings } from './pii-detectors.js';

/** What the barrier does with one type of PII: replace it, refuse the memory, store it but report it, or ignore it. */
export type PiiAction = 'redact' | 'reject' | 'warn' | 'off';

/** Per-type actions, as in `governance.pii.overrides`. */
export type PiiOverrides = Partial<Record<PiiType, PiiAction>>;

/** The PII policy: a default action, per-type overrides, and per-bank policies chosen by bank pattern. */
export interface PiiPolicy {
  default: PiiAction;
  overrides: PiiOverrides;
  /** The first entry whose pattern matches the bank applies; its `default` and `overrides` win over the global ones. */
  banks: { pattern: string; default?: PiiAction; overrides?: PiiOverrides }[];
  /** Masks PII in recall hits and reflect answers too. */
  scanOutput: boolean;
}

/** The PII a retain request carries, field by field, so that redaction touches only what was found. */
export interface PiiScan {
  types: Set<PiiType>;
  content: PiiFinding[];
  tags: PiiFinding[][];
  metadata: JsonObject;
}

/** The PII barrier: detection over content, tags and string metadata, and the policy that decides each type's fate. */
export class PiiBarrier {
  private readonly policy: PiiPolicy;
  private readonly banks: { pattern: RegExp; default?: PiiAction; overrides?: PiiOverrides }[];

  constructor(policy: PiiPolicy) {
    this.policy = policy;
    this.banks = policy.banks.map((b) => ({ ...b, pattern: compileBankPattern(b.pattern) }));
  }

  /** The action for `type` in `bankId`: bank override, bank default, global override, global default. */
  actionFor(type: PiiType, bankId: string): PiiAction {
    const bank = this.banks.find((b) => b.pattern.test(bankId));
    return bank?.overrides?.[type] ?? bank?.default ?? this.policy.overrides[type] ?? this.policy.default;
  }

  /** Finds PII in a retain request. Metadata values are read with their key, so `dob: 1985-03-14` counts. */
  scan(content: string, tags: string[], metadata: JsonObject): PiiScan {
    const types = new Set<PiiType>();
    const note = (findings: PiiFinding[]) => {
      for (const f of findings) types.add(f.type);
      return findings;
    };
    const contentFindings = note(detectPii(content));
    const tagFindings = tags.map((tag) => note(detectPii(tag)));
    // Metadata is scanned now and redacted later by re-running on the same strings; keep the structure untouched here.
    walkStrings(metadata, (value, key) => {
      note(findingsWithKey(value, key));
      return value;
    });
    return { types, content: contentFindings, tags: tagFindings, metadata };
  }

  /** Replaces the PII of the given types in content, tags and metadata with typed placeholders. */
  redact(
    content: string,
    tags: string[],
    scan: PiiScan,
    types: ReadonlySet<PiiType>,
  ): { content: string; tags: string[]; metadata: JsonObject } {
    return {
      content: redactFindings(content, scan.content, types),
      tags: tags.map((tag, i) => redactFindings(tag, scan.tags[i] ?? [], types)),
      metadata: walkStrings(scan.metadata, (value, key) =>
        redactFindings(value, findingsWithKey(value, key), types),
      ) as JsonObject,
    };
  }

  /** Masks every type of PII not switched off globally; used on text leaving memory when `scanOutput` is on. */
  scanOutput(text: string): string {
    if (!this.policy.scanOutput) return text;
    const types = new Set(PII_TYPES.filter((t) => (this.policy.overrides[t] ?? this.policy.default) !== 'off'));
    return redactFindings(text, detectPii(text), types);
  }
}

function findingsWithKey(value: string, key: string | null): PiiFinding[] {
  if (key === null) return detectPii(value);
  const prefix = `${key}: `;
  return detectPii(prefix + value)
    .filter((f) => f.start >= prefix.length)
    .map((f) => ({ ...f, start: f.start - prefix.length, end: f.end - prefix.length }));
}

function walkStrings(
  value: JsonValue,
  fn: (value: string, key: string | null) => string,
  key: string | null = null,
): JsonValue {
  if (typeof value === 'string') return fn(value, key);
  if (Array.isArray(value)) return value.map((item) => walkStrings(item, fn, key));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = walkStrings(v, fn, k);
    return out;
  }
  return value;
}
