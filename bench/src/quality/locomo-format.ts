/** One turn of a LoCoMo conversation. */
export interface LocomoTurn {
  speaker: string;
  dia_id: string;
  text: string;
  /** Present on turns that share a photo in the public release. */
  blip_caption?: string;
}

/** One question of a LoCoMo sample; `evidence` lists the dia_ids that hold the answer. */
export interface LocomoQa {
  question: string;
  answer?: unknown;
  evidence: string[];
  category: number;
  /** The category's label in sets that carry their own (RealMem); LoCoMo's release has none. */
  category_name?: string;
}

/** One LoCoMo sample: a conversation (`session_N` turn lists and `session_N_date_time`) and its questions. */
export interface LocomoSample {
  sample_id?: string;
  conversation: Record<string, unknown>;
  qa: LocomoQa[];
}

/** A session of a conversation, in order. */
export interface LocomoSession {
  index: number;
  dateTime: string | null;
  date: Date | null;
  turns: LocomoTurn[];
}

/** The names the LoCoMo evaluations commonly give to the released data's categories 1 to 4. */
export const CATEGORY_NAMES: Record<number, string> = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
};

/** Checks the shape of a parsed LoCoMo file and returns its samples; throws naming the first bad field. */
export function parseLocomo(data: unknown, source = 'the LoCoMo file'): LocomoSample[] {
  if (!Array.isArray(data)) throw new Error(`${source}: expected a JSON array of samples`);
  return data.map((sample, i) => {
    const where = `${source}: sample ${i}`;
    if (typeof sample !== 'object' || sample === null) throw new Error(`${where} is not an object`);
    const { conversation, qa } = sample as Record<string, unknown>;
    if (typeof conversation !== 'object' || conversation === null) throw new Error(`${where}: conversation is missing`);
    if (!Array.isArray(qa)) throw new Error(`${where}: qa must be an array`);
    for (const [j, item] of qa.entries()) {
      const q = item as Partial<LocomoQa>;
      if (typeof q?.question !== 'string') throw new Error(`${where}: qa[${j}].question must be a string`);
      if (!Array.isArray(q.evidence)) throw new Error(`${where}: qa[${j}].evidence must be an array of dia_ids`);
      if (typeof q.category !== 'number') throw new Error(`${where}: qa[${j}].category must be a number`);
    }
    if (sessions(sample as LocomoSample).length === 0) throw new Error(`${where}: conversation has no session_N turns`);
    return sample as LocomoSample;
  });
}

/** The sessions of a sample in order, each with its date parsed where the format allows. */
export function sessions(sample: LocomoSample): LocomoSession[] {
  const out: LocomoSession[] = [];
  for (const [key, value] of Object.entries(sample.conversation)) {
    const match = /^session_(\d+)$/.exec(key);
    if (!match || !Array.isArray(value)) continue;
    const index = Number(match[1]);
    const raw = sample.conversation[`session_${index}_date_time`];
    const dateTime = typeof raw === 'string' ? raw : null;
    const turns = value.filter(
      (t): t is LocomoTurn =>
        typeof t === 'object' && t !== null && typeof t.dia_id === 'string' && typeof t.text === 'string',
    );
    out.push({ index, dateTime, date: dateTime ? parseSessionDate(dateTime) : null, turns });
  }
  return out.sort((a, b) => a.index - b.index);
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** Parses LoCoMo's `1:56 pm on 8 May, 2023` (UTC, since the release gives no zone); null when it does not fit. */
export function parseSessionDate(text: string): Date | null {
  const match = /^\s*(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$/i.exec(text);
  if (match) {
    const [, h, m, ampm, day, monthName, year] = match as unknown as string[];
    const month = MONTHS.indexOf((monthName as string).toLowerCase());
    if (month >= 0) {
      const hour = (Number(h) % 12) + ((ampm as string).toLowerCase() === 'pm' ? 12 : 0);
      return new Date(Date.UTC(Number(year), month, Number(day), hour, Number(m)));
    }
  }
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? null : new Date(parsed);
}

/** `D3:07` and `D3:7` name the same turn; the release spells some ids both ways. */
export function normalizeDiaId(id: string): string {
  const match = /^\s*D\s*:?\s*(\d+)\s*:\s*(\d+)\s*$/i.exec(id);
  return match ? `D${Number(match[1])}:${Number(match[2])}` : id.trim();
}

/** The evidence dia_ids of a question, normalized; entries such as `D8:6; D9:17` are split. */
export function evidenceIds(qa: LocomoQa): string[] {
  const ids = qa.evidence
    .filter((e): e is string => typeof e === 'string')
    .flatMap((e) => e.split(/[;,]|\s+(?=D)/))
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map(normalizeDiaId);
  return [...new Set(ids)];
}

/** The text retained for a turn: what was said, and the caption of a shared photo; the speaker is a field of its own. */
export function turnText(turn: LocomoTurn): string {
  const caption = turn.blip_caption ? ` [shares a photo: ${turn.blip_caption}]` : '';
  return `${turn.text}${caption}`;
}
