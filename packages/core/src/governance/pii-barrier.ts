import type { JsonObject, JsonValue, PiiType } from '../types.js';
import { matchesBankPattern } from './bank-pattern.js';
import { detectPii, nonOverlapping, PII_TYPES, type PiiFinding, redactFindings } from './pii-detectors.js';

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

/** The fields of a retain request that the barrier scans and may rewrite. */
export interface PiiFields {
  content: string;
  tags: string[];
  metadata: JsonObject;
  path: string | null;
  /** A conversation turn's speaker. */
  speaker: string | null;
}

/** The PII a retain request carries, field by field, so that redaction touches only what was found. */
export interface PiiScan {
  types: Set<PiiType>;
  content: PiiFinding[];
  tags: PiiFinding[][];
  path: PiiFinding[];
  speaker: PiiFinding[];
}

/** The PII barrier: detection over every field of a request, and the policy that decides each type's fate. */
export class PiiBarrier {
  private readonly policy: PiiPolicy;

  constructor(policy: PiiPolicy) {
    this.policy = policy;
  }

  /** The action for `type` in `bankId`: bank override, bank default, global override, global default. */
  actionFor(type: PiiType, bankId: string): PiiAction {
    const bank = this.policy.banks.find((b) => matchesBankPattern(b.pattern, bankId));
    return bank?.overrides?.[type] ?? bank?.default ?? this.policy.overrides[type] ?? this.policy.default;
  }

  /**
   * Finds PII in content, tags, path, speaker, and metadata keys and string values, nested ones included. A metadata value
   * is read with its key, so `dob: 1985-03-14` counts.
   */
  scan(fields: PiiFields): PiiScan {
    const types = new Set<PiiType>();
    const note = (findings: PiiFinding[]) => {
      for (const f of findings) types.add(f.type);
      return findings;
    };
    const scan: PiiScan = {
      types,
      content: note(detectPii(fields.content)),
      tags: fields.tags.map((tag) => note(detectPii(tag))),
      path: fields.path === null ? [] : note(detectPii(fields.path)),
      speaker: fields.speaker === null ? [] : note(detectPii(fields.speaker)),
    };
    // Metadata is only read here; redaction walks it again and finds the same values at the same places.
    rewriteMetadata(fields.metadata, (findings) => {
      note(findings);
      return null;
    });
    return scan;
  }

  /** Replaces the PII of the given types in every scanned field with typed placeholders. */
  redact(fields: PiiFields, scan: PiiScan, types: ReadonlySet<PiiType>): PiiFields {
    return {
      content: redactFindings(fields.content, scan.content, types),
      tags: fields.tags.map((tag, i) => redactFindings(tag, scan.tags[i] ?? [], types)),
      metadata: rewriteMetadata(fields.metadata, (findings, text) => redactFindings(text, findings, types)),
      path: fields.path === null ? null : redactFindings(fields.path, scan.path, types),
      speaker: fields.speaker === null ? null : redactFindings(fields.speaker, scan.speaker, types),
    };
  }

  /**
   * Masks, in text leaving memory when `scanOutput` is on, every type of PII that is not `off` for one of `banks` (the
   * banks the text came from): a bank whose own policy redacts a type has it masked even where the global one is off.
   */
  scanOutput(text: string, banks: string[]): string {
    if (!this.policy.scanOutput) return text;
    const types = new Set(PII_TYPES.filter((t) => banks.some((bank) => this.actionFor(t, bank) !== 'off')));
    return redactFindings(text, detectPii(text), types);
  }

  /** Replaces every type of PII with its placeholder, whatever the policy: for text that must never hold any. */
  redactAll(text: string): string {
    return redactFindings(text, detectPii(text), ALL_TYPES);
  }
}

const ALL_TYPES: ReadonlySet<PiiType> = new Set(PII_TYPES);

/**
 * Rebuilds metadata with every key, string value and number passed through `rewrite` (given the findings in it, the
 * number as its digits), which returns the new text or null to keep it: a number that is PII (a card number) becomes
 * its placeholder, a string. Two keys redacted to the same placeholder stay two keys (`[EMAIL]`, `[EMAIL] 2`):
 * merging them would silently drop a value.
 */
function rewriteMetadata(
  metadata: JsonObject,
  rewrite: (findings: PiiFinding[], text: string) => string | null,
): JsonObject {
  // `under`: the value's own key first, then the keys above it.
  const walk = (value: JsonValue, under: string[]): JsonValue => {
    if (typeof value === 'string') return rewrite(findingsUnder(value, under), value) ?? value;
    if (typeof value === 'number') {
      const digits = String(value);
      const rewritten = rewrite(findingsUnder(digits, under), digits);
      return rewritten === null || rewritten === digits ? value : rewritten;
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, under));
    if (value === null || typeof value !== 'object') return value;
    const keys = new Set<string>();
    const entries = Object.entries(value).map(([k, v]): [string, JsonValue] => {
      const renamed = rewrite(detectPii(k), k) ?? k;
      let unique = renamed;
      for (let n = 2; keys.has(unique); n++) unique = `${renamed} ${n}`;
      keys.add(unique);
      return [unique, walk(v, [k, ...under])];
    });
    // fromEntries defines each key as data, so a key such as `__proto__` stays a key.
    return Object.fromEntries(entries);
  };
  return walk(metadata, []) as JsonObject;
}

// A value is read with its own key, else with the nearest key above it that makes it PII: the value of
// `{ password: { value: 'hunter22' } }` is a password, as that of `{ password: 'hunter22' }` is. What the value holds
// read alone is kept too: under `case`, the key that keeps a case number from being taken for a phone number, a
// phone number beside an email is still a phone number.
function findingsUnder(value: string, keys: string[]): PiiFinding[] {
  let withKey: PiiFinding[] = [];
  for (const key of keys) {
    withKey = findingsWithKey(value, key);
    if (withKey.length > 0) break;
  }
  return nonOverlapping([...withKey, ...detectPii(value)]);
}

// The key is read as written (`api_key`, which the secret detector knows) and as words: the detectors' context
// words never match across `_`, `-` or a camelCase hump, so `date_of_birth`, `phoneNumber` and
// `social-security-number` gave no context and their values were stored in clear.
function findingsWithKey(value: string, key: string): PiiFinding[] {
  const words = keyAsWords(key);
  const readings = words === key ? [key] : [key, words];
  return nonOverlapping(readings.flatMap((prefix) => findingsAfter(`${prefix}: `, value)));
}

function findingsAfter(prefix: string, value: string): PiiFinding[] {
  return detectPii(prefix + value)
    .filter((f) => f.start >= prefix.length)
    .map((f) => ({ ...f, start: f.start - prefix.length, end: f.end - prefix.length }));
}

// `date_of_birth`, `date-of-birth`, `dateOfBirth` and `SSNNumber` become `date of birth` … `SSN Number`.
function keyAsWords(key: string): string {
  return key
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_\-.]+/g, ' ');
}
