import { type AstrocyteContext, AstrocyteError, type Brain, type Memory, type MemoryVersion } from '@astrocyte/core';

/**
 * What became of a memory a store file is named after: `live` (itself, or the live memory that replaced it),
 * `erased` (forgotten or expired: its text must leave the store), or `foreign` (the bank never held it).
 */
export type MemoryFate = { kind: 'live'; memoryId: string } | { kind: 'erased' } | { kind: 'foreign' };

// A supersession chain longer than this is a loop in a broken store, not a history.
const MAX_CHAIN = 1000;

/** Answers, once per id, what became of the memories a push finds files of, from the bank's history. */
export class MemoryFates {
  private readonly fates = new Map<string, Promise<MemoryFate>>();
  private readonly histories = new Map<string, Promise<MemoryVersion[] | null>>();

  constructor(
    private readonly brain: Brain,
    private readonly bankId: string,
    /** The bank's live memories by id. */
    readonly live: Map<string, Memory>,
    /** Who reads the bank's history (with access configured, its principal needs `read`). */
    private readonly context: AstrocyteContext | undefined,
  ) {}

  /** What became of memory `id`. */
  of(id: string): Promise<MemoryFate> {
    let fate = this.fates.get(id);
    if (!fate) {
      fate = this.follow(id);
      this.fates.set(id, fate);
    }
    return fate;
  }

  /**
   * The texts memory `id` has held that are still in the bank (its text, for a live or superseded memory), or null
   * when it was erased or never held: what a file of it may show without being someone else's edit.
   */
  async texts(id: string): Promise<string[] | null> {
    const live = this.live.get(id);
    if (live) return [live.text];
    const versions = await this.history(id);
    if (!versions || isErased(versions)) return null;
    return versions.flatMap((version) => (version.text === null ? [] : [version.text]));
  }

  private async follow(id: string): Promise<MemoryFate> {
    let current = id;
    for (let hop = 0; hop < MAX_CHAIN; hop++) {
      if (this.live.has(current)) return { kind: 'live', memoryId: current };
      const versions = await this.history(current);
      // A successor the bank does not hold is a broken chain: treat its text as gone rather than keep it.
      if (!versions) return hop === 0 ? { kind: 'foreign' } : { kind: 'erased' };
      if (isErased(versions)) return { kind: 'erased' };
      const last = versions.at(-1) as MemoryVersion;
      // Neither live nor replaced: expired, and not yet purged.
      if (last.action !== 'supersede' || !last.relatedId) return { kind: 'erased' };
      current = last.relatedId;
    }
    return { kind: 'erased' };
  }

  private history(id: string): Promise<MemoryVersion[] | null> {
    let versions = this.histories.get(id);
    if (!versions) {
      const options = this.context ? { context: this.context } : {};
      versions = this.brain.history(this.bankId, id, options).catch((error: unknown) => {
        if (AstrocyteError.isInstance(error) && error.code === 'not_found') return null;
        throw error;
      });
      this.histories.set(id, versions);
    }
    return versions;
  }
}

/**
 * A long text as its live chunks (in `live`) hold it, in order, with `edits` (by chunk id) in their chunks' places:
 * what a pull puts together when the agent edits chunk files, since replacing a chunk replaces its whole document.
 */
export function documentText(
  live: Map<string, Memory>,
  documentId: string,
  edits: Map<string, string> = new Map(),
): string {
  const chunks = [...live.values()]
    .filter((memory) => memory.documentId === documentId)
    .sort((a, b) => (a.episode?.position ?? 0) - (b.episode?.position ?? 0));
  return chunks.map((chunk) => edits.get(chunk.id) ?? chunk.text).join('\n\n');
}

// Forget and expiry leave a content-free tombstone; a memory whose every text is gone was erased with its chain.
function isErased(versions: MemoryVersion[]): boolean {
  const last = versions.at(-1);
  return last?.action === 'forget' || last?.action === 'expire' || versions.every((version) => version.text === null);
}
