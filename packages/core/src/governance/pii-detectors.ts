import { isIPv6 } from 'node:net';
import type { PiiType } from '../types.js';
import { ibanValid, luhnValid, ssnValid } from './checksums.js';
import { foldForDetection } from './text-folding.js';

/** Every PII type the barrier recognises, in the order reports list them. */
export const PII_TYPES: readonly PiiType[] = [
  'email',
  'phone',
  'ssn',
  'credit_card',
  'iban',
  'ip_address',
  'secret',
  'date_of_birth',
];

/** One piece of PII found in a text: its type and the half-open character range it covers. */
export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
}

/** The typed placeholder that replaces a redacted value, e.g. `[EMAIL]`. */
export function placeholder(type: PiiType): string {
  return `[${type.toUpperCase()}]`;
}

type Detector = (text: string) => PiiFinding[];

// When two findings overlap, the more specific one wins: a password inside a connection URL is a secret, not an email.
const PRIORITY: Record<PiiType, number> = {
  secret: 8,
  email: 7,
  iban: 6,
  credit_card: 5,
  ssn: 4,
  date_of_birth: 3,
  ip_address: 2,
  phone: 1,
};

/**
 * Finds PII in `text`: non-overlapping findings in text order, as ranges of `text` itself. The detectors read a
 * folded copy (NFKC, Unicode dashes and spaces made ASCII, invisible characters dropped), so `４１１１…`, a phone with
 * non-breaking spaces or an email with a zero-width space inside are found, and redaction covers the original span.
 * Deterministic; no network, no model.
 */
export function detectPii(text: string): PiiFinding[] {
  const folded = foldForDetection(text);
  if (folded === null) return detectFolded(text);
  return detectFolded(folded.text).map((f) => ({
    type: f.type,
    start: folded.start[f.start] as number,
    end: folded.end[f.end - 1] as number,
  }));
}

function detectFolded(text: string): PiiFinding[] {
  return nonOverlapping(DETECTORS.flatMap((detect) => detect(text)));
}

/**
 * Keeps, of findings that overlap, the one of the higher-priority type, then the longer: the findings of one text,
 * in text order, none inside another.
 */
export function nonOverlapping(all: PiiFinding[]): PiiFinding[] {
  // Most texts hold no PII: they skip the coverage map, a typed array V8 allocates outside its heap (microseconds).
  if (all.length < 2) return all;
  all.sort((a, b) => PRIORITY[b.type] - PRIORITY[a.type] || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: PiiFinding[] = [];
  // A coverage map keeps this linear in the text length even for a text holding thousands of findings.
  const covered = new Uint8Array(all.reduce((end, f) => Math.max(end, f.end), 0));
  for (const finding of all) {
    if (covered.subarray(finding.start, finding.end).includes(1)) continue;
    covered.fill(1, finding.start, finding.end);
    kept.push(finding);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Replaces the findings whose type is in `types` with their placeholders. */
export function redactFindings(text: string, findings: PiiFinding[], types: ReadonlySet<PiiType>): string {
  let out = '';
  let at = 0;
  for (const f of findings) {
    if (!types.has(f.type)) continue;
    out += text.slice(at, f.start) + placeholder(f.type);
    at = f.end;
  }
  return out + text.slice(at);
}

function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    yield m;
    if (m[0].length === 0) pattern.lastIndex++;
  }
}

/** The `n` characters before `index`, for context checks. */
function before(text: string, index: number, n = 32): string {
  return text.slice(Math.max(0, index - n), index);
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');

// ---------- email ----------

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![\w-])/g;
// Retina image names such as logo@2x.png look like addresses; no top-level domain is a file extension.
const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'ico',
  'bmp',
  'tif',
  'tiff',
  'pdf',
  'avif',
]);

const detectEmail: Detector = (text) => {
  const found: PiiFinding[] = [];
  for (const m of matches(EMAIL, text)) {
    if (FILE_EXTENSIONS.has((m[1] as string).toLowerCase())) continue;
    found.push({ type: 'email', start: m.index, end: m.index + m[0].length });
  }
  return found;
};

// ---------- phone ----------

// Numbers introduced as an order, invoice, ticket or other reference are identifiers, not phone numbers.
const IDENTIFIER_CONTEXT =
  /(?:\b(?:order|invoice|ticket|tracking|ref|reference|confirmation|case|serial|sku|part|po|account|acct|id|isbn|batch|lot|model|item|receipt|transaction|booking|policy)\b[\s#:.-]*(?:number|no\.?|nr\.?|num|id|code)?[\s#:.-]*|#\s*)$/i;
const CURRENCY_CONTEXT = /(?:[$€£¥₹]|\b(?:usd|eur|gbp|jpy|chf|cad|aud|inr)\b)\s*$/i;
const PHONE_CONTEXT =
  /\b(?:call|calls|called|phone|phones|tel|telephone|mobile|cell|cellphone|fax|text|sms|whatsapp|signal|reach|dial|ring|ph|mob|contact|hotline|landline)\b[^\n\d]{0,24}$/i;

const INTERNATIONAL = /(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){1,6}(?![\w])/g;
const NANP = /(?<![\w+.,/-])(?:(?:\+?1)[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}(?![\w]|[.,/-]\d)/g;
const TRUNK = /(?<![\w+.,/-])(?:0\d{1,4}|\(0\d{1,4}\))(?:[ -]\d{2,8}){1,4}(?![\w]|[.,/-]\d)/g;
const FRENCH = /(?<![\w+.,/-])0[1-9](?:[ .-]\d{2}){4}(?![\w]|[.,/-]\d)/g;
const BARE_DIGITS = /(?<![\w+.,/-])\+?\d{9,13}(?![\w]|[.,/-]\d)/g;

const detectPhone: Detector = (text) => {
  const found: PiiFinding[] = [];
  const add = (start: number, value: string, minDigits: number, maxDigits: number, needsContext = false) => {
    const trimmed = value.replace(/[\s.-]+$/, '');
    const digits = digitsOf(trimmed).length;
    if (digits < minDigits || digits > maxDigits) return;
    const prior = before(text, start);
    if (IDENTIFIER_CONTEXT.test(prior) || CURRENCY_CONTEXT.test(prior)) return;
    // A group of a longer digit sequence (a card, an account number) is not a phone number of its own.
    if (/\d[ .-]?$/.test(prior) || /^[ .-]?\d/.test(text.slice(start + trimmed.length))) return;
    if (needsContext && !PHONE_CONTEXT.test(prior)) return;
    found.push({ type: 'phone', start, end: start + trimmed.length });
  };
  for (const m of matches(INTERNATIONAL, text)) add(m.index, m[0], 8, 15);
  for (const m of matches(NANP, text)) add(m.index, m[0], 10, 11);
  for (const m of matches(TRUNK, text)) add(m.index, m[0], 10, 12);
  for (const m of matches(FRENCH, text)) add(m.index, m[0], 10, 10);
  // A run of digits with no separators is a phone number only when the text says so.
  for (const m of matches(BARE_DIGITS, text)) add(m.index, m[0], 10, 13, true);
  return found;
};

// ---------- SSN ----------

const SSN_DASHED = /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-]|\.\d)/g;
const SSN_LOOSE = /(?<![\w-])(\d{3})[ ]?(\d{2})[ ]?(\d{4})(?![\w-]|\.\d)/g;
const SSN_CONTEXT =
  /\b(?:ssn|ss#|social\s+security(?:\s+(?:number|no\.?|#))?|social\s+insurance\s+number)\b[^\n\d]{0,16}$/i;

const detectSsn: Detector = (text) => {
  const found: PiiFinding[] = [];
  const seen = new Set<number>();
  for (const m of matches(SSN_DASHED, text)) {
    if (!ssnValid(m[1] as string, m[2] as string, m[3] as string)) continue;
    const prior = before(text, m.index);
    if (IDENTIFIER_CONTEXT.test(prior) && !SSN_CONTEXT.test(prior)) continue;
    seen.add(m.index);
    found.push({ type: 'ssn', start: m.index, end: m.index + m[0].length });
  }
  // Spaced or unseparated nine-digit forms need the text to call them a social security number.
  for (const m of matches(SSN_LOOSE, text)) {
    if (seen.has(m.index) || !ssnValid(m[1] as string, m[2] as string, m[3] as string)) continue;
    if (!SSN_CONTEXT.test(before(text, m.index))) continue;
    found.push({ type: 'ssn', start: m.index, end: m.index + m[0].length });
  }
  return found;
};

// ---------- payment card ----------

const CARD =
  /(?<![\w.,/-])(?:\d{13,19}|\d{4}([ .-])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ .-])\d{6}\2\d{4,5})(?![\w]|[.,/-]\d)/g;

// Issuer prefixes (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro): a Luhn-valid number outside
// every issuer range is far more likely an identifier than a card.
function issuerKnown(digits: string): boolean {
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  const len = digits.length;
  if (digits[0] === '4') return len === 13 || len === 16 || len === 19;
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return len === 16;
  if (two === 34 || two === 37) return len === 15;
  if (two === 36 || two === 38 || (four >= 3000 && four <= 3059)) return len >= 14 && len <= 16;
  if (four >= 3528 && four <= 3589) return len >= 16;
  if (four === 6011 || two === 65 || (four >= 6440 && four <= 6499) || two === 62) return len >= 16;
  if (two === 50 || (two >= 56 && two <= 58) || two === 63 || two === 67) return len >= 12;
  return false;
}

const detectCard: Detector = (text) => {
  const found: PiiFinding[] = [];
  for (const m of matches(CARD, text)) {
    const digits = digitsOf(m[0]);
    if (digits.length < 13 || digits.length > 19 || !issuerKnown(digits) || !luhnValid(digits)) continue;
    found.push({ type: 'credit_card', start: m.index, end: m.index + m[0].length });
  }
  return found;
};

// ---------- IBAN ----------

const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;
const IBAN_LENGTH_MIN = 15;

const detectIban: Detector = (text) => {
  const found: PiiFinding[] = [];
  for (const m of matches(IBAN_CANDIDATE, text)) {
    const compact = m[0].replace(/ /g, '');
    // The candidate may run into a following code; try every length from the longest down.
    for (let len = compact.length; len >= IBAN_LENGTH_MIN; len--) {
      if (!ibanValid(compact.slice(0, len))) continue;
      let end = m.index;
      for (let count = 0; count < len; end++) if (text[end] !== ' ') count++;
      if (/[A-Za-z0-9]/.test(text[end] ?? '')) break;
      found.push({ type: 'iban', start: m.index, end });
      break;
    }
  }
  return found;
};

// ---------- IP address ----------

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
const IPV6_CANDIDATE =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/g;
const VERSION_CONTEXT =
  /\b(?:v|version|ver|release|build|firmware|rev|revision|sdk|driver|oid|chapter|section|step|figure|fig|table|rule)\.?\s*[:=#]?\s*$/i;

const detectIp: Detector = (text) => {
  const found: PiiFinding[] = [];
  for (const m of matches(IPV4, text)) {
    // Loopback, unspecified and netmasks identify no one.
    if (/^(?:127\.|0\.0\.0\.0$|255\.)/.test(m[0])) continue;
    if (VERSION_CONTEXT.test(before(text, m.index))) continue;
    found.push({ type: 'ip_address', start: m.index, end: m.index + m[0].length });
  }
  for (const m of matches(IPV6_CANDIDATE, text)) {
    const value = m[0];
    if (!isIPv6(value) || value === '::' || value === '::1') continue;
    found.push({ type: 'ip_address', start: m.index, end: m.index + value.length });
  }
  return found;
};

// ---------- secrets ----------

const TOKEN_PATTERNS: RegExp[] = [
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])/g, // AWS access key id
  /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])/g, // GitHub tokens
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{40,255}(?![A-Za-z0-9_])/g, // GitHub fine-grained tokens
  /(?<![A-Za-z0-9-])xox[abposre]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])/g, // Slack tokens
  /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,200}/g, // Slack webhooks
  /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])/g, // Anthropic
  /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])/g, // OpenAI style
  /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,200}(?![A-Za-z0-9])/g, // Stripe
  /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g, // Google API key
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{10,4096}(?![A-Za-z0-9_-])/g, // JWT
  /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, // PEM, even truncated
];

// `key = value` assignments whose key names a credential. Only the value is a secret.
const ASSIGNMENT =
  /(?<![A-Za-z0-9])["']?([A-Za-z0-9_.-]{0,40}?(?:password|passwd|pwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|client[_-]?secret|token))["']?\s*(=|:)\s*(?:"([^"\n]{4,})"|'([^'\n]{4,})'|([^\s,;"'`)}\]]{4,}))/gi;
const PROSE_PASSWORD = /(?<![A-Za-z])(?:password|passphrase|passcode)\s+(?:is|was)\s+["'“]?([^\s"'”,;]{4,})/gi;
const BEARER = /\bBearer\s+([A-Za-z0-9._~+/-]{20,2048}=*)/g;
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@]+:([^\s@/]+)@/gi;

const PLACEHOLDER_VALUE =
  /^(?:\$\{.*|\$[A-Z_][A-Z0-9_]*|%[A-Z_]+%|<[^>]*>|\{\{.*|\*+|x+|\.{3,}|…|null|none|nil|undefined|true|false|changeme|required|optional|redacted|hidden|masked|secret|password|\[[A-Z_]+\]|(?:process\.env|os\.environ|env)\b.*)$/i;
const PROSE_STOPWORDS = new Set(
  'required set correct wrong incorrect expired invalid too the a an not being reset changed stored saved weak strong long short case still also now missing empty blank mandatory sent hidden encrypted hashed different same updated visible shown correctly never always only protected at in on'.split(
    ' ',
  ),
);

const detectSecret: Detector = (text) => {
  const found: PiiFinding[] = [];
  for (const pattern of TOKEN_PATTERNS) {
    for (const m of matches(pattern, text)) found.push({ type: 'secret', start: m.index, end: m.index + m[0].length });
  }
  for (const m of matches(ASSIGNMENT, text)) {
    const key = (m[1] as string).toLowerCase();
    const value = (m[3] ?? m[4] ?? m[5]) as string;
    // A bare `secret:` or `token:` is usually prose ("the secret: test first"); only `=` makes it an assignment.
    if ((key === 'secret' || key === 'token') && m[2] === ':' && !/["']/.test(m[0].slice(0, 1))) continue;
    if (PLACEHOLDER_VALUE.test(value.trim())) continue;
    const start = m.index + m[0].lastIndexOf(value);
    found.push({ type: 'secret', start, end: start + value.length });
  }
  for (const m of matches(PROSE_PASSWORD, text)) {
    const value = (m[1] as string).replace(/[.!?]+$/, '');
    if (value.length < 4 || PROSE_STOPWORDS.has(value.toLowerCase()) || PLACEHOLDER_VALUE.test(value)) continue;
    const start = m.index + m[0].lastIndexOf(m[1] as string);
    found.push({ type: 'secret', start, end: start + value.length });
  }
  for (const pattern of [BEARER, URL_PASSWORD]) {
    for (const m of matches(pattern, text)) {
      const value = m[1] as string;
      if (PLACEHOLDER_VALUE.test(value)) continue;
      const start = m.index + m[0].lastIndexOf(value);
      found.push({ type: 'secret', start, end: start + value.length });
    }
  }
  return found;
};

// ---------- date of birth ----------

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const DATE = [
  '\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}',
  '\\d{1,2}[-/.]\\d{1,2}[-/.](?:\\d{4}|\\d{2})',
  `${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}`,
  `\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+\\d{4}`,
].join('|');
// The date must follow the words that call it a birth date, with nothing but a connector between them.
const DOB = new RegExp(
  `(?<![A-Za-z])(?:date\\s+of\\s+birth|d\\.?o\\.?b\\.?|birth\\s*date|birthday|born(?:\\s+on)?)(?![A-Za-z])\\s*(?:(?:is|was|:|-|=|on|,|the)\\s*){0,3}(${DATE})(?![\\w]|[-/.]\\d)`,
  'gi',
);

const detectDateOfBirth: Detector = (text) => {
  const found: PiiFinding[] = [];
  for (const m of matches(DOB, text)) {
    const date = m[1] as string;
    const start = m.index + m[0].length - date.length;
    found.push({ type: 'date_of_birth', start, end: start + date.length });
  }
  return found;
};

const DETECTORS: Detector[] = [
  detectSecret,
  detectEmail,
  detectIban,
  detectCard,
  detectSsn,
  detectDateOfBirth,
  detectIp,
  detectPhone,
];
