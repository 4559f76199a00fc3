import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A memory system under comparison, driven through its own public API. The benchmark sees only this, so that
 * every system is measured by the same loop on the same data.
 */
export interface PeerSystem {
  /** How the tables name it, with the package version measured. */
  readonly label: string;
  /** Stores items through the system's batch path; for each item, the ids its search can return for it. */
  addBatch(items: PeerItem[]): Promise<string[][]>;
  /** Stores one text, as an agent's single write does. */
  addOne(text: string): Promise<void>;
  /** The ids of the system's top `limit` results for a query. */
  search(query: string, limit: number): Promise<string[]>;
  /** Refreshes planner statistics after a bulk load, as autovacuum would; a no-op where there is no planner to feed. */
  afterLoad(): Promise<void>;
  /** Closes its connections and removes everything it created. */
  close(): Promise<void>;
}

/** What a system stores: a text, and for a turn of a conversation, who said it. */
export interface PeerItem {
  text: string;
  speaker?: string;
}

/** An item as one text, for systems without a speaker field: `speaker: text`. */
export function itemText(item: PeerItem): string {
  return item.speaker === undefined ? item.text : `${item.speaker}: ${item.text}`;
}

/** What every system is opened with: the same Postgres and the same embedding endpoint. */
export interface PeerEnvironment {
  postgresUrl: string;
  /** The local OpenAI-compatible endpoint serving Astrocyte's local-embedder vectors, ending in /v1. */
  embeddingBaseURL: string;
  /** The model name the systems ask the endpoint for; it answers every name with the same vectors. */
  embeddingModel: string;
  dimensions: number;
}

/** The installed version of a package, read from its package.json (which not every package exports). */
export function packageVersion(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // No package.json at this level: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
