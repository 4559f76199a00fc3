import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, ValidationError } from '../errors.js';
import { didYouMean } from '../nearest-key.js';
import type { JsonObject, PiiType, RuleDecision, RuleMatch } from '../types.js';
import { DEFAULT_LIMITS } from '../validation.js';
import { zodProblem } from '../zod-problem.js';
import {
  applyForgetPolicy,
  type ForgetCandidate,
  type ForgetPolicy,
  type ForgetVerdict,
  keepReason,
  legalHold,
} from './forget-policy.js';
import { type PiiAction, PiiBarrier, type PiiPolicy } from './pii-barrier.js';
import { detectPii, PII_TYPES } from './pii-detectors.js';
import { forgetPolicyFields, piiPolicyFields, rulesField, scanOutputField } from './policy-schema.js';
import { type CompiledRule, compileRules, evaluateRules, loadRulesFile } from './rules.js';

export type { ForgetCandidate, ForgetVerdict } from './forget-policy.js';

/** What retain should store after governance, or why it must not. */
export type RetainPlan =
  | { kind: 'reject'; reason: string; redacted: PiiType[]; detected: PiiType[]; matched: RuleMatch[] }
  | {
      kind: 'store';
      content: string;
      bankId: string;
      tags: string[];
      metadata: JsonObject;
      path: string | null;
      speaker: string | null;
      expiresAt: Date | null;
      redacted: PiiType[];
      /** Types found and kept as given because their action is `warn`. */
      warned: PiiType[];
      matched: RuleMatch[];
    };

/** What a retain asks to store, before governance. */
export interface RetainRequest {
  content: string;
  bankId: string;
  tags: string[];
  metadata: JsonObject;
  /** Scanned and redacted like the content. */
  path?: string | null;
  /** A conversation turn's speaker, scanned like the content. */
  speaker?: string | null;
  /** A conversation turn's session id: an identifier, like the bank id, so PII in it is refused. */
  sessionId?: string | null;
  /** The expiry the caller asked for; a rule may bring it forward, a legal hold removes it. */
  expiresAt?: Date | null;
  /** The pipeline's clock, for expiries set by rules. */
  now?: Date;
}

const optionsSchema = z.strictObject({
  pii: z.strictObject({ ...piiPolicyFields, scanOutput: scanOutputField }).prefault({}),
  rules: rulesField,
  forget: z.strictObject(forgetPolicyFields).prefault({}),
});

/**
 * Governance options in code. `rules` is a list of rules in the YAML format (see docs/governance.md) or the path
 * of a rules file. With no options: the PII barrier redacts every type, no rules, legal-hold tag `legal-hold`.
 */
export type GovernanceOptions = z.input<typeof optionsSchema>;

const PII_LABELS: Record<PiiType, string> = {
  email: 'an email address',
  phone: 'a phone number',
  ssn: 'a US social security number',
  credit_card: 'a payment card number',
  iban: 'a bank account number (IBAN)',
  ip_address: 'an IP address',
  secret: 'a secret (key, token or password)',
  date_of_birth: 'a date of birth',
};

/**
 * Governance applied by the pipeline on every backend: the PII barrier, the rules, and the forget policy.
 * Deterministic; it never calls a network.
 */
export class Governance {
  readonly piiPolicy: PiiPolicy;
  readonly forgetPolicy: ForgetPolicy;
  readonly rules: readonly CompiledRule[];
  private readonly barrier: PiiBarrier;

  /** Validates the options; a bad option or rule throws ConfigError naming it. `baseDir` resolves a rules file path. */
  constructor(options: GovernanceOptions = {}, baseDir = process.cwd()) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const problem = zodProblem(parsed.error, options, optionsSchema);
      const where = problem.field || '(options)';
      throw new ConfigError(
        `governance options: ${where}: ${problem.unknownKey ? `unknown option${didYouMean(problem.suggestion)}` : problem.message}`,
        {
          details: { path: where },
        },
      );
    }
    const { pii, rules, forget } = parsed.data;
    this.piiPolicy = pii;
    this.forgetPolicy = forget;
    this.barrier = new PiiBarrier(pii);
    this.rules =
      rules === undefined
        ? []
        : typeof rules === 'string'
          ? loadRulesFile(resolve(baseDir, rules))
          : compileRules(rules, { label: 'governance.rules' });
  }

  /** Decides what retain stores for one request: rules first, then the PII barrier of the destination bank. */
  prepareRetain(request: RetainRequest): RetainPlan {
    const plan = this.decide(request);
    if (plan.kind === 'store') return plan;
    return { kind: 'reject', reason: plan.reason, redacted: [], detected: plan.detected, matched: plan.matched };
  }

  /** The decision retain would take, with every rule that matched and every PII type found. */
  explain(request: RetainRequest): RuleDecision {
    const plan = this.decide(request);
    if (plan.kind === 'reject') {
      return {
        action: 'reject',
        bankId: plan.bankId,
        tags: request.tags,
        redact: [],
        piiDetected: plan.detected,
        reason: plan.reason,
        matched: plan.matched,
      };
    }
    return {
      action: 'store',
      bankId: plan.bankId,
      tags: plan.tags,
      ...(plan.expiresAt ? { expiresAt: plan.expiresAt } : {}),
      redact: plan.redacted,
      piiDetected: plan.detected,
      matched: plan.matched,
    };
  }

  /** Splits the memories a forget selected into those it may erase and those policy keeps. */
  checkForget(candidates: ForgetCandidate[], options: { overrideLegalHold: boolean; now: Date }): ForgetVerdict {
    return applyForgetPolicy(this.forgetPolicy, candidates, options);
  }

  /**
   * Why the forget policy keeps a memory that expired (a legal hold on its chain, the minimum age), or undefined when
   * a purge may erase it: expiry overrides neither.
   */
  keepsExpired(candidate: ForgetCandidate, now: Date): string | undefined {
    return keepReason(this.forgetPolicy, candidate, { overrideLegalHold: false, now });
  }

  /** The legal hold on a supersession chain (a hold tag on any of its memories), if there is one. */
  legalHold(chain: ForgetCandidate['chain']): { tag: string; memoryId: string } | undefined {
    return legalHold(this.forgetPolicy, chain);
  }

  /**
   * Refuses a tag selector (of a forget, a recall or a listing) holding PII that the policy of every one of `bankIds`
   * redacts or refuses in stored tags: no memory of theirs carries such a tag as given, and the placeholder it would be
   * stored as (`customer:[EMAIL]`) is shared by every memory whose tag held any value of that type. One bank that
   * stores the tag as given is enough to keep the selector: its memories carry the tag. The message names the type,
   * never the value.
   */
  checkTagSelector(tags: readonly string[], bankIds: readonly string[], field = 'tags'): void {
    for (const [i, tag] of tags.entries()) {
      for (const type of new Set(detectPii(tag).map((f) => f.type))) {
        const actions = new Set(bankIds.map((bank) => this.barrier.actionFor(type, bank)));
        if (![...actions].every((action) => action === 'redact' || action === 'reject')) continue;
        const fate = actions.size > 1 ? 'redacts or refuses' : actions.has('redact') ? 'redacts' : 'refuses';
        const whose =
          bankIds.length === 1
            ? `the policy of bank "${bankIds[0]}"`
            : `the policy of every selected bank (${bankIds.map((bank) => `"${bank}"`).join(', ')})`;
        throw new ValidationError(
          `${field}[${i}]`,
          `holds ${PII_LABELS[type]} (${type}), which ${whose} ${fate} in tags, so no memory carries this tag as given; select by memory id, or by a tag without personal data`,
        );
      }
    }
  }

  /** Masks PII in text leaving memory (recall and reflect), when the output scan is on. */
  scanOutput(text: string, banks: string[]): string {
    return this.barrier.scanOutput(text, banks);
  }

  /**
   * Replaces every PII type in free text with its placeholder, whatever the per-type actions: for what outlives an
   * erasure in version rows (a forget's reason, the actor), which must never keep personal data.
   */
  redactFreeText(text: string): string {
    return this.barrier.redactAll(text);
  }

  private decide(
    request: RetainRequest,
  ):
    | { kind: 'reject'; reason: string; bankId: string; detected: PiiType[]; matched: RuleMatch[] }
    | (Extract<RetainPlan, { kind: 'store' }> & { detected: PiiType[] }) {
    const now = request.now ?? new Date();
    const fields = { ...request, path: request.path ?? null, speaker: request.speaker ?? null };
    const scan = this.barrier.scan(fields);
    const detected = PII_TYPES.filter((t) => scan.types.has(t));
    const rules = evaluateRules(this.rules as CompiledRule[], { ...request, pii: scan.types });
    const matched = rules.matched;
    if (rules.reject) {
      return {
        kind: 'reject',
        reason: `not stored: ${rules.reject.reason}`,
        bankId: request.bankId,
        detected,
        matched,
      };
    }
    const bankId = rules.routeTo ?? request.bankId;
    // A bank id outlives every erasure in its tombstones, and a session id names the session later turns join:
    // neither can be redacted, so PII in one is refused unless its type is `warn` or `off` for that bank.
    const identifiers = [
      { id: bankId, why: 'the bank id', rule: 'bank ids are kept in history after forget' },
      ...(request.sessionId
        ? [{ id: request.sessionId, why: 'the session id', rule: 'a session id names the session later turns join' }]
        : []),
    ];
    const warnedInIds: PiiType[] = [];
    for (const { id, why, rule } of identifiers) {
      const found = [...new Set(detectPii(id).map((f) => f.type))];
      const refused = found.filter((t) => !['warn', 'off'].includes(this.barrier.actionFor(t, bankId)));
      warnedInIds.push(...found.filter((t) => this.barrier.actionFor(t, bankId) === 'warn'));
      if (refused.length > 0) {
        const what = refused.map((t) => `${PII_LABELS[t]} (${t})`).join(', ');
        return {
          kind: 'reject',
          reason: `not stored: ${why} contains ${what}; ${rule}, so it must be an opaque identifier`,
          bankId,
          detected,
          matched,
        };
      }
    }

    // The destination bank's policy applies: a rule may route data to a bank with stricter (or looser) PII rules.
    const actions = new Map<PiiType, PiiAction>();
    for (const type of detected) {
      let action = this.barrier.actionFor(type, bankId);
      const forced = rules.forceRedact.has(type) || rules.forceRedact.has('detected');
      if (forced && (action === 'warn' || action === 'off')) action = 'redact';
      actions.set(type, action);
    }
    const ofAction = (action: PiiAction) => detected.filter((t) => actions.get(t) === action);
    const rejected = ofAction('reject');
    if (rejected.length > 0) {
      const what = rejected.map((t) => `${PII_LABELS[t]} (${t})`).join(', ');
      return {
        kind: 'reject',
        reason: `not stored: the content contains ${what}, which policy does not allow in memory`,
        bankId,
        detected,
        matched,
      };
    }
    const redacted = ofAction('redact');
    const clean = redacted.length > 0 ? this.barrier.redact(fields, scan, new Set(redacted)) : fields;
    // Redaction can make two tags one (`a@x.com` and `b@y.com` both become `[EMAIL]`): each is kept once.
    const tags = [...new Set([...clean.tags, ...rules.addTags])];
    if (tags.length > DEFAULT_LIMITS.maxTags) {
      const taggers = matched.filter((m) => m.action === 'tag' && m.applied).map((m) => `"${m.rule}"`);
      throw new ValidationError(
        'tags',
        `has ${tags.length} tags once rule ${taggers.join(', ')} added its own; the limit is ${DEFAULT_LIMITS.maxTags}`,
        { details: { rules: taggers } },
      );
    }

    let expiresAt = request.expiresAt ?? null;
    if (rules.expiresAfterMs !== null) {
      const byRule = new Date(now.getTime() + rules.expiresAfterMs);
      if (expiresAt === null || byRule < expiresAt) expiresAt = byRule;
    }
    // A memory under legal hold must outlive any expiry, or the hold would be defeated by purgeExpired.
    const hold = tags.find((t) => this.forgetPolicy.legalHoldTags.includes(t));
    if (hold !== undefined && expiresAt !== null) {
      expiresAt = null;
      matched.push({
        rule: 'legal-hold',
        action: 'keep',
        reason: `tag "${hold}" holds the memory: expiry removed`,
        applied: true,
      });
    }
    return {
      kind: 'store',
      content: clean.content,
      bankId,
      tags,
      metadata: clean.metadata,
      path: clean.path,
      speaker: clean.speaker,
      expiresAt,
      redacted,
      warned: PII_TYPES.filter((t) => ofAction('warn').includes(t) || warnedInIds.includes(t)),
      matched,
      detected,
    };
  }
}
