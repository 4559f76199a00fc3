// A rough speed and quality check of the SQLite store, not a benchmark (those live in bench/). For each size it loads
// one bank with retainMany (near-duplicate check on at 0.95, then off, each in a fresh process so peak RSS is its
// own), times recall, and compares the candidate index's vector search with exact brute force in sqlite-vec.
// Run from the repo root: `pnpm tsx packages/brain-sqlite/scripts/rough-measure.ts [sizes=10000,100000] [repeats=1]`.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentHash, LocalEmbedder, normalizeVector } from '@astrocyte/core';
import { createSqliteBrain, type SqliteMemoryStore } from '../src/index.js';

const PEOPLE = ['Ada', 'Bo', 'Chidi', 'Dmitri', 'Elif', 'Farah', 'Gus', 'Hiro', 'Iris', 'Jamal', 'Kai', 'Luz', 'Mina'];
const MORE_PEOPLE = ['the client', 'our landlord', 'the vendor', 'my sister', 'the intern', 'the auditor', 'grandma'];
const VERBS = ['prefers', 'avoids', 'asked for', 'booked', 'cancelled', 'reviewed', 'paid for', 'forgot', 'praised'];
const MORE_VERBS = ['is saving for', 'complained about', 'recommended', 'wants', 'returned', 'shipped', 'renewed'];
const THINGS = ['green tea', 'the quarterly budget', 'a window seat', 'the staging cluster', 'rust compilers', 'jazz'];
const MORE_THINGS = ['a dentist visit', 'the Lisbon trip', 'oat milk', 'the gym plan', 'a new laptop', 'the lease'];
const EXTRA_THINGS = ['sushi', 'the audit report', 'a standing desk', 'piano lessons', 'the VPN setup', 'tulips'];
const WHEN = ['on Monday', 'last week', 'in April', 'every morning', 'before the launch', 'after lunch', 'at noon'];
const WHY = ['', '', ' because it was cheaper', ' and wants a reminder', ' but changed their mind', ' for the team'];
const who = [...PEOPLE, ...MORE_PEOPLE];
const verbs = [...VERBS, ...MORE_VERBS];
const things = [...THINGS, ...MORE_THINGS, ...EXTRA_THINGS];

// A small deterministic generator, so runs are comparable.
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function corpus(count: number): string[] {
  const next = random(7);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)] as T;
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const text = `${pick(who)} ${pick(verbs)} ${pick(things)} ${pick(WHEN)}${pick(WHY)} (note ${Math.floor(next() * 1000)})`;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  return out;
}

function questions(count: number): string[] {
  const next = random(11);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)] as T;
  const forms = [
    (p: string, t: string) => `what does ${p} think about ${t}`,
    (p: string, t: string) => `${p} and ${t}`,
    (_p: string, t: string) => `who asked about ${t}?`,
    (p: string, _t: string) => `what did ${p} book recently`,
  ];
  return Array.from({ length: count }, () => pick(forms)(pick(who), pick(things)));
}

function percentiles(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => Math.round((sorted[Math.floor(p * (sorted.length - 1))] as number) * 100) / 100;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

interface CaseResult {
  size: number;
  dedup: 'on' | 'off';
  perSecond: number;
  lastTenthPerSecond: number;
  recall?: { p50: number; p95: number; p99: number };
  keyword?: { p50: number; p95: number; p99: number };
  recallAt10?: number;
  recallAt40?: number;
  nearDuplicatesFound?: string;
  peakRssMb: number;
}

// One configuration, in this process.
async function runCase(size: number, dedup: 'on' | 'off'): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'astrocyte-measure-'));
  try {
    const brain = await createSqliteBrain({
      path: join(dir, 'measure.db'),
      dedup: dedup === 'on' ? { action: 'skip', nearThreshold: 0.95 } : { action: 'keep' },
    });
    const store = brain.store as SqliteMemoryStore;
    const bankId = 'measure';
    const texts = corpus(size);
    const batch = 1000;
    const started = performance.now();
    let tenthStarted = started;
    for (let offset = 0; offset < size; offset += batch) {
      if (offset === size - Math.ceil(size / 10 / batch) * batch) tenthStarted = performance.now();
      const items = texts
        .slice(offset, offset + batch)
        .map((content, j) => ({ content, tags: [`t${(offset + j) % 20}`] }));
      await brain.retainMany(items, { bankId });
    }
    const ended = performance.now();
    const lastTenth = size - Math.max(0, size - Math.ceil(size / 10 / batch) * batch);
    const result: CaseResult = {
      size,
      dedup,
      perSecond: Math.round(size / ((ended - started) / 1000)),
      lastTenthPerSecond: Math.round(lastTenth / ((ended - tenthStarted) / 1000)),
      peakRssMb: 0,
    };
    if (dedup === 'on') {
      const asked = questions(300);
      for (const q of asked.slice(0, 20)) await brain.recall(q, { bankId, maxResults: 10 });
      const recallTimes: number[] = [];
      for (const q of asked) {
        const t = performance.now();
        await brain.recall(q, { bankId, maxResults: 10 });
        recallTimes.push(performance.now() - t);
      }
      result.recall = percentiles(recallTimes);
      const embedder = new LocalEmbedder();
      const { searchTerms } = await import('@astrocyte/core');
      const keywordTimes: number[] = [];
      for (const q of asked) {
        const t = performance.now();
        await store.keywordSearch([bankId], searchTerms(q), 40, { now: new Date() });
        keywordTimes.push(performance.now() - t);
      }
      result.keyword = percentiles(keywordTimes);
      result.recallAt10 = await recallAgainstExact(store, bankId, embedder, 10);
      result.recallAt40 = await recallAgainstExact(store, bankId, embedder, 40);
      result.nearDuplicatesFound = await nearDuplicateCheck(store, bankId, embedder, texts);
    }
    await brain.close();
    result.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Share of the exact top k (sqlite-vec brute force) that the indexed search returns, over question and memory queries.
async function recallAgainstExact(
  store: SqliteMemoryStore,
  bankId: string,
  embedder: LocalEmbedder,
  k: number,
): Promise<number> {
  const now = new Date();
  const probes = [...questions(60), ...corpus(2000).filter((_, i) => i % 50 === 0)];
  let found = 0;
  let total = 0;
  const exact = store.database.prepare(
    `SELECT m.id FROM memory_vectors v JOIN memories m ON m.seq = v.rowid
     WHERE v.embedding MATCH ? AND v.k = ? AND v.bank_id = ? ORDER BY v.distance`,
  );
  for (const probe of probes) {
    const vector = embedder.embedOne(probe);
    const truth = new Set(
      (exact.all(Buffer.from(vector.buffer), k, bankId) as { id: string }[]).map((r) => r.id).slice(0, k),
    );
    const hits = await store.vectorSearch([bankId], vector, k, { now });
    total += truth.size;
    found += hits.filter((h) => truth.has(h.id)).length;
  }
  return Math.round((found / total) * 10_000) / 10_000;
}

// Records whose embedding is a stored memory's turned by a set angle (cosine 0.950 to 0.97): all must be refused.
async function nearDuplicateCheck(
  store: SqliteMemoryStore,
  bankId: string,
  embedder: LocalEmbedder,
  texts: string[],
): Promise<string> {
  const next = random(3);
  const records = Array.from({ length: 200 }, (_, i) => {
    const base = embedder.embedOne(texts[Math.floor(next() * texts.length)] as string);
    const noise = normalizeVector(Float32Array.from(base, () => next() - 0.5));
    // Remove the base direction from the noise, then mix: cos(result, base) = c exactly (up to float rounding).
    const along = noise.reduce((s, x, j) => s + x * (base[j] as number), 0);
    const ortho = normalizeVector(Float32Array.from(noise, (x, j) => x - along * (base[j] as number)));
    const c = 0.9502 + (i / 200) * 0.02;
    const embedding = normalizeVector(
      Float32Array.from(base, (x, j) => c * x + Math.sqrt(1 - c * c) * (ortho[j] as number)),
    );
    const text = `near duplicate probe ${i} ${randomUUID()}`;
    const now = new Date();
    return {
      id: randomUUID(),
      bankId,
      text,
      contentHash: contentHash(text),
      embedding,
      tags: [],
      metadata: {},
      path: null,
      createdAt: now,
      occurredAt: null,
      expiresAt: null,
      supersedes: null,
      versions: [{ action: 'create' as const, at: now }],
    };
  });
  let found = 0;
  for (const record of records) {
    const [outcome] = await store.insert([record], { nearDuplicateThreshold: 0.95 });
    if (outcome?.status === 'duplicate') found++;
  }
  return `${found}/${records.length}`;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--case') {
  const result = await runCase(Number(process.argv[3]), process.argv[4] === 'off' ? 'off' : 'on');
  console.log(JSON.stringify(result));
} else {
  const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
  const repeats = Number(process.argv[3] ?? 1);
  const rows: CaseResult[] = [];
  for (const size of sizes) {
    for (let r = 0; r < repeats; r++) {
      for (const dedup of ['on', 'off'] as const) {
        const out = execFileSync(process.execPath, [...process.execArgv, self, '--case', String(size), dedup], {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        });
        const result = JSON.parse(out.trim().split('\n').at(-1) as string) as CaseResult;
        rows.push(result);
        console.error(JSON.stringify(result));
      }
    }
  }
  console.log(
    '| memories | near-dedup | retainMany /s (last tenth) | recall p50/p95/p99 ms | keyword p50/p95 ms | recall@10 | recall@40 | near-dups refused | peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const recall = r.recall ? `${r.recall.p50} / ${r.recall.p95} / ${r.recall.p99}` : '';
    const keyword = r.keyword ? `${r.keyword.p50} / ${r.keyword.p95}` : '';
    console.log(
      `| ${r.size} | ${r.dedup} | ${r.perSecond} (${r.lastTenthPerSecond}) | ${recall} | ${keyword} | ${r.recallAt10 ?? ''} | ${r.recallAt40 ?? ''} | ${r.nearDuplicatesFound ?? ''} | ${r.peakRssMb} |`,
    );
  }
}
