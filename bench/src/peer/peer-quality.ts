import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { userPath } from '../lib/args.js';
import {
  evidenceIds,
  type LocomoSample,
  type LocomoTurn,
  normalizeDiaId,
  parseLocomo,
  sessions,
  turnText,
} from '../quality/locomo-format.js';
import { evidenceRecall } from '../quality/locomo-harness.js';
import { paraphraseLocomo } from '../quality/paraphrase-locomo.js';
import { syntheticLocomo } from '../quality/synthetic-locomo.js';
import type { PeerEnvironment } from './peer-system.js';
import { closePeerSystems, openPeerSystems, type SystemName } from './peer-systems.js';

// The same file bench:quality reads for its RealMem set.
const REALMEM_FILE = fileURLToPath(new URL('../../../../shared/data/realmem/realmem.json', import.meta.url));

/** A dev set, loaded. */
export interface QualitySet {
  /** How the output names it. */
  dataset: string;
  samples: LocomoSample[];
}

/** What one system scored on a set. */
export interface QualityResult {
  name: SystemName;
  label: string;
  questions: number;
  /** Mean evidence recall at the limit: the share of a question's evidence turns among the top results. */
  recall: number;
  /** Searches that returned fewer results than the limit (a threshold or a thin candidate list cut them). */
  shortLists: number;
}

/**
 * Loads a dev set as bench:quality does: `synthetic` and `paraphrase` are generated (seed, conversations),
 * `realmem` is ../shared/data/realmem/realmem.json, anything else is the path of a LoCoMo-format file.
 */
export function loadQualitySet(set: string, synthetic: { conversations: number; seed: number }): QualitySet {
  const described = `seed ${synthetic.seed}, ${synthetic.conversations} conversations`;
  if (set === 'synthetic') return { dataset: `synthetic set (${described})`, samples: syntheticLocomo(synthetic) };
  if (set === 'paraphrase') return { dataset: `paraphrase set (${described})`, samples: paraphraseLocomo(synthetic) };
  const path = set === 'realmem' ? REALMEM_FILE : userPath(set);
  if (!existsSync(path)) throw new Error(`--quality ${set}: ${path} does not exist`);
  return {
    dataset: `${set === 'realmem' ? 'RealMem' : 'LoCoMo file'} (${path})`,
    samples: parseLocomo(JSON.parse(readFileSync(path, 'utf8')), path),
  };
}

/**
 * Evidence recall at `limit` for each system on the same data. Each conversation gets fresh storage in every
 * system; its turns go in session by session (a batch call per session, split at `batch`), with their speakers:
 * Astrocyte keeps the speaker as a field (`retainConversation`), the peers, which have none, as a `speaker: `
 * prefix. No system gets the session dates (mem0's open-source add refuses a timestamp). Then each question of
 * categories 1 to 4 is searched in every system and the evidence turns among the results are counted; an
 * evidence id that names no turn counts as a miss for all.
 */
export async function measureQuality(
  set: QualitySet,
  names: readonly SystemName[],
  env: PeerEnvironment,
  options: { batch: number; limit: number },
  log: (line: string) => void,
): Promise<QualityResult[]> {
  const scores = new Map<SystemName, { label: string; recalls: number[]; shortLists: number }>();
  for (const [index, sample] of set.samples.entries()) {
    log(`Conversation ${index + 1}/${set.samples.length} ...`);
    const batches = sessions(sample).flatMap((session) => chunk(session.turns, options.batch));
    const questions = sample.qa.filter((qa) => qa.category >= 1 && qa.category <= 4 && evidenceIds(qa).length > 0);
    const systems = await openPeerSystems(names, env);
    try {
      for (const [name, system] of systems) {
        // The turns each stored id stands for: a deduplicated turn shares the id of the one it repeats.
        const diaIdsOf = new Map<string, Set<string>>();
        for (const turns of batches) {
          const ids = await system.addBatch(turns.map((turn) => ({ text: turnText(turn), speaker: turn.speaker })));
          ids.forEach((forTurn, j) => {
            const diaId = normalizeDiaId((turns[j] as LocomoTurn).dia_id);
            for (const id of forTurn) diaIdsOf.set(id, (diaIdsOf.get(id) ?? new Set()).add(diaId));
          });
        }
        await system.afterLoad();
        const score = scores.get(name) ?? { label: system.label, recalls: [], shortLists: 0 };
        for (const qa of questions) {
          const found = await system.search(qa.question, options.limit);
          if (found.length < options.limit) score.shortLists++;
          score.recalls.push(evidenceRecall(found.slice(0, options.limit), evidenceIds(qa), diaIdsOf));
        }
        scores.set(name, score);
      }
    } finally {
      await closePeerSystems(systems);
    }
  }
  return names.map((name) => {
    const score = scores.get(name) ?? { label: name, recalls: [], shortLists: 0 };
    const total = score.recalls.reduce((sum, r) => sum + r, 0);
    return {
      name,
      label: score.label,
      questions: score.recalls.length,
      recall: score.recalls.length > 0 ? total / score.recalls.length : Number.NaN,
      shortLists: score.shortLists,
    };
  });
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
