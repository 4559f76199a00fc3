import type Anthropic from '@anthropic-ai/sdk';
import { httpStatus } from '@astrocyte/core';
import type { MemoryFates } from './memory-fates.js';
import { parseMemoryFile, sameText, tookInFile } from './memory-file-content.js';
import { keptEditPath } from './memory-file-layout.js';
import type { MemoryFile, SkippedMemory } from './memory-store-diff.js';
import { conflictOf, MemoryStoreConflictError, MemoryStoreRequestError } from './memory-store-errors.js';
import { retrieveStoreFile, type StoreFile, type StoreFileContent } from './memory-store-listing.js';
import { sendWrite } from './memory-store-requests.js';

/** What one write of a push came to. */
export type WriteOutcome =
  | { kind: 'created' | 'updated' | 'deleted' | 'unchanged' }
  | { kind: 'skipped'; skipped: SkippedMemory };

// Re-reads before a write that keeps conflicting is given up (MemoryStoreConflictError).
const MAX_ATTEMPTS = 5;

/**
 * Writes a push's files with `content_sha256` preconditions. A write that meets a 409 re-reads the memory and
 * decides again: content another writer put in a memory's file is kept beside it (keptEditPath) before the file is
 * overwritten, so neither write is lost; a file whose text must leave the store (erased) is deleted regardless.
 */
export class MemoryStoreWriter {
  /** Paths of the edits kept beside memories' files. */
  readonly keptEdits: string[] = [];

  constructor(
    private readonly client: Anthropic,
    private readonly memoryStoreId: string,
    private readonly bankId: string,
    private readonly fates: MemoryFates,
    private readonly scan: (text: string) => string,
  ) {}

  /** Creates a memory's file; one found already at its path is updated instead. */
  async create(file: MemoryFile, attempt = 0): Promise<WriteOutcome> {
    try {
      await sendWrite((options) =>
        this.client.beta.memoryStores.memories.create(
          this.memoryStoreId,
          { path: file.path, content: file.content },
          options,
        ),
      );
      return { kind: 'created' };
    } catch (error) {
      const conflict = conflictOf(error);
      if (conflict?.kind !== 'path') throw this.failed(`create ${file.path}`, error);
      if (attempt >= MAX_ATTEMPTS) throw new MemoryStoreConflictError(this.memoryStoreId, file.path, attempt, error);
      // The API leaves the id out when it cannot name the memory in the way: retrying is its advice.
      const occupant = conflict.conflictingMemoryId ? await this.read(conflict.conflictingMemoryId) : null;
      if (!occupant) return this.create(file, attempt + 1);
      if (occupant.path === file.path) return this.update(file, occupant, attempt + 1);
      return pathConflict(file, occupant);
    }
  }

  /** Brings `current` (perhaps at another path) to `file`'s path and content, keeping another writer's content. */
  async update(file: MemoryFile, current: StoreFile, attempt = 0): Promise<WriteOutcome> {
    for (; attempt < MAX_ATTEMPTS; attempt++) {
      const read = await this.read(current.id);
      if (!read) return this.create(file, attempt + 1);
      if (read.sha === file.sha && read.path === file.path) return { kind: 'unchanged' };
      if (read.sha !== file.sha) await this.keepIfForeign(read, file.path, file.memoryId);
      try {
        await sendWrite((options) =>
          this.client.beta.memoryStores.memories.update(
            read.id,
            {
              memory_store_id: this.memoryStoreId,
              content: file.content,
              ...(read.path !== file.path ? { path: file.path } : {}),
              precondition: { type: 'content_sha256', content_sha256: read.sha },
            },
            options,
          ),
        );
        return { kind: 'updated' };
      } catch (error) {
        const conflict = conflictOf(error);
        if (!conflict) throw this.failed(`update ${file.path}`, error);
        if (conflict.kind === 'path') {
          const occupant = conflict.conflictingMemoryId ? await this.read(conflict.conflictingMemoryId) : null;
          if (!occupant) continue;
          if (occupant.path !== file.path) return pathConflict(file, occupant);
          // Another writer created the memory's file meanwhile: bring that one up to date, drop this one.
          const outcome = await this.update(file, occupant, attempt + 1);
          await this.delete(read, file.memoryId, false, attempt + 1);
          return outcome;
        }
      }
    }
    throw new MemoryStoreConflictError(this.memoryStoreId, file.path, MAX_ATTEMPTS, undefined);
  }

  /** Deletes a file; an erased memory's regardless of what it now holds, any other after keeping a foreign edit. */
  async delete(current: StoreFile, memoryId: string, erased: boolean, attempt = 0): Promise<WriteOutcome> {
    let expected = current.sha;
    for (; attempt < MAX_ATTEMPTS; attempt++) {
      if (!erased) {
        const read = await this.read(current.id);
        if (!read) return { kind: 'unchanged' };
        await this.keepIfForeign(read, current.path, memoryId);
        expected = read.sha;
      }
      try {
        await sendWrite((options) =>
          this.client.beta.memoryStores.memories.delete(
            current.id,
            { memory_store_id: this.memoryStoreId, expected_content_sha256: expected },
            options,
          ),
        );
        return { kind: 'deleted' };
      } catch (error) {
        if (httpStatus(error) === 404) return { kind: 'unchanged' };
        if (!conflictOf(error)) throw this.failed(`delete ${current.path}`, error);
        if (erased) {
          const read = await this.read(current.id);
          if (!read) return { kind: 'unchanged' };
          expected = read.sha;
        }
      }
    }
    throw new MemoryStoreConflictError(this.memoryStoreId, current.path, MAX_ATTEMPTS, undefined);
  }

  /** Redacts one version: its content, hash and path are wiped. */
  async redact(versionId: string): Promise<void> {
    try {
      await sendWrite((options) =>
        this.client.beta.memoryStores.memoryVersions.redact(
          versionId,
          { memory_store_id: this.memoryStoreId },
          options,
        ),
      );
    } catch (error) {
      throw this.failed(`redact version ${versionId}`, error);
    }
  }

  // Content is foreign unless its header names a memory of this bank and either a pull took it in (the live memory
  // that replaced it records its hash, or, for a long text, every edited chunk file's: a text the PII barrier
  // changed, or a chunk's edit, matches no text of the bank) or its body is a
  // text the bank holds for that memory, its live successor, or the one the file now belongs to (as stored, or as
  // the output scan shows it). An erased memory's text is never kept.
  private async keepIfForeign(read: StoreFileContent, besidePath: string, memoryId: string): Promise<void> {
    const { header, body } = parseMemoryFile(read.content);
    if (header?.bankId === this.bankId) {
      const fate = await this.fates.of(header.memoryId);
      if (fate.kind === 'erased') return;
      const successor = fate.kind === 'live' ? fate.memoryId : header.memoryId;
      if (tookInFile(this.fates.live.get(successor), read.sha)) return;
      for (const id of new Set([header.memoryId, successor, memoryId])) {
        const texts = (await this.fates.texts(id)) ?? [];
        if (texts.some((text) => sameText(body, text) || sameText(body, this.scan(text)))) return;
      }
    }
    const path = keptEditPath(besidePath, read.sha);
    try {
      await sendWrite((options) =>
        this.client.beta.memoryStores.memories.create(this.memoryStoreId, { path, content: read.content }, options),
      );
    } catch (error) {
      // The same content kept by an earlier attempt or push is already there.
      const conflict = conflictOf(error);
      const occupant = conflict?.conflictingMemoryId ? await this.read(conflict.conflictingMemoryId) : null;
      if (occupant?.path !== path || occupant.sha !== read.sha) throw this.failed(`keep an edit at ${path}`, error);
    }
    this.keptEdits.push(path);
  }

  private read(id: string): Promise<StoreFileContent | null> {
    return retrieveStoreFile(this.client, this.memoryStoreId, id);
  }

  private failed(what: string, error: unknown): Error {
    return error instanceof MemoryStoreRequestError
      ? error
      : new MemoryStoreRequestError(this.memoryStoreId, what, error);
  }
}

// A file that is not the push's sits where the memory's would go, or is its ancestor or descendant: left alone.
function pathConflict(file: MemoryFile, occupant: StoreFile): WriteOutcome {
  return {
    kind: 'skipped',
    skipped: { memoryId: file.memoryId, reason: 'path_conflict', conflictingPath: occupant.path },
  };
}
