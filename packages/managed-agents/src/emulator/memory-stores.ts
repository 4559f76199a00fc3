import { createHash } from 'node:crypto';
import { EmulatorHttpError, invalidRequest, newId, notFound } from './emulator-ids.js';
import { checkMemoryPath, pathsOverlap } from './memory-paths.js';

/** Who wrote or redacted a version (the SDK's `BetaManagedAgentsActor`). */
export type MemoryActor =
  | { type: 'api_actor'; api_key_id: string }
  | { type: 'session_actor'; session_id: string }
  | { type: 'user_actor'; user_id: string }
  | { type: 'service_account_actor'; service_account_id: string };

/** A memory as the store holds it. */
export interface StoredMemory {
  readonly id: string;
  path: string;
  content: string;
  contentSha256: string;
  readonly createdAt: string;
  updatedAt: string;
  /** The version that holds the current content. */
  versionId: string;
}

/** One entry of a memory's history; only redaction changes it after it is written. */
export interface StoredVersion {
  /** Order of writing in the store (versions list newest first). */
  readonly seq: number;
  readonly id: string;
  readonly memoryId: string;
  readonly operation: 'created' | 'modified' | 'deleted';
  path: string | null;
  content: string | null;
  contentSha256: string | null;
  contentSizeBytes: number | null;
  readonly createdAt: string;
  readonly createdBy: MemoryActor;
  redactedAt: string | null;
  redactedBy: MemoryActor | null;
}

/** The change an update asks for; `expectedSha256` is the `content_sha256` precondition. */
export interface MemoryChange {
  content?: string;
  path?: string;
  expectedSha256?: string;
}

/** The largest content the platform takes: 100 kB (`MemoryCreateParams.content`). */
const MAX_CONTENT_BYTES = 102_400;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The writer the emulator's test hooks record: a person editing through the Console, as the platform names one. */
const CONSOLE_USER: MemoryActor = { type: 'user_actor', user_id: 'user_emulated' };

function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** Throws 400 unless `value` is 64 lowercase hexadecimal characters; returns it. */
export function checkSha256(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) {
    throw invalidRequest(`${field}: must be 64 lowercase hexadecimal characters`);
  }
  return value;
}

function checkContent(content: unknown): string {
  if (typeof content !== 'string') throw invalidRequest('content: must be a string');
  if (Buffer.byteLength(content, 'utf8') > MAX_CONTENT_BYTES) {
    throw invalidRequest(`content: must be at most ${MAX_CONTENT_BYTES} bytes`);
  }
  return content;
}

function preconditionFailed(message: string): EmulatorHttpError {
  return new EmulatorHttpError(409, 'memory_precondition_failed_error', message);
}

/**
 * One memory store: its memories (text files by path, no path an ancestor of another) and every version written,
 * kept after their memory is deleted. The routes and the sessions' file tools both write through it, so a write
 * made either way follows the same rules and leaves the same history.
 */
export class EmulatedMemoryStore {
  readonly createdAt = new Date().toISOString();
  updatedAt = this.createdAt;
  archivedAt: string | null = null;
  deleted = false;
  private readonly memories = new Map<string, StoredMemory>();
  private readonly history: StoredVersion[] = [];

  constructor(
    readonly id: string,
    /** Order of creation among the stores. */
    readonly seq: number,
    public name: string,
    public description: string,
    public metadata: Record<string, string>,
  ) {}

  /** The store as `client.beta.memoryStores.retrieve` returns it. */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      type: 'memory_store',
      name: this.name,
      description: this.description,
      metadata: this.metadata,
      archived_at: this.archivedAt,
      created_at: this.createdAt,
      updated_at: this.updatedAt,
    };
  }

  /** Every live memory, by path. */
  list(): StoredMemory[] {
    return [...this.memories.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Every version, oldest first (deleted memories' included). */
  versions(): readonly StoredVersion[] {
    return this.history;
  }

  /** The live memory at `path`, if any. */
  memoryAt(path: string): StoredMemory | undefined {
    for (const memory of this.memories.values()) if (memory.path === path) return memory;
    return undefined;
  }

  /** A live memory, or 404. */
  memory(id: string): StoredMemory {
    const memory = this.memories.get(id);
    if (!memory) throw notFound(`memory ${id} not found in memory store ${this.id}`);
    return memory;
  }

  /** A version, or 404. */
  version(id: string): StoredVersion {
    const version = this.history.find((candidate) => candidate.id === id);
    if (!version) throw notFound(`memory version ${id} not found in memory store ${this.id}`);
    return version;
  }

  /** Creates a memory at `path`; 409 `memory_path_conflict_error` when the path overlaps another memory's. */
  create(path: unknown, content: unknown, actor: MemoryActor): StoredMemory {
    this.checkWritable();
    const checkedPath = checkMemoryPath(path);
    const checkedContent = checkContent(content);
    this.checkNoOverlap(checkedPath, undefined);
    const now = new Date().toISOString();
    const memory: StoredMemory = {
      id: newId('mem'),
      path: checkedPath,
      content: checkedContent,
      contentSha256: sha256(checkedContent),
      createdAt: now,
      updatedAt: now,
      versionId: '',
    };
    this.memories.set(memory.id, memory);
    memory.versionId = this.record(memory, 'created', actor).id;
    return memory;
  }

  /**
   * Changes a memory's content, path or both. A precondition that does not hold answers 409
   * `memory_precondition_failed_error`, unless the memory already is what was asked (as the SDK documents); a
   * change that changes nothing writes no version.
   */
  update(id: string, change: MemoryChange, actor: MemoryActor): StoredMemory {
    this.checkWritable();
    const memory = this.memory(id);
    const content = change.content === undefined ? memory.content : checkContent(change.content);
    const path = change.path === undefined ? memory.path : checkMemoryPath(change.path);
    const unchanged = content === memory.content && path === memory.path;
    if (change.expectedSha256 !== undefined && change.expectedSha256 !== memory.contentSha256 && !unchanged) {
      throw preconditionFailed(`memory ${id} does not have content_sha256 ${change.expectedSha256}`);
    }
    if (unchanged) return memory;
    if (path !== memory.path) this.checkNoOverlap(path, memory.id);
    memory.content = content;
    memory.contentSha256 = sha256(content);
    memory.path = path;
    memory.updatedAt = new Date().toISOString();
    memory.versionId = this.record(memory, 'modified', actor).id;
    return memory;
  }

  /** Deletes a memory, keeping its versions and adding a `deleted` one. */
  delete(id: string, expectedSha256: string | undefined, actor: MemoryActor): void {
    const memory = this.memory(id);
    if (expectedSha256 !== undefined && expectedSha256 !== memory.contentSha256) {
      throw preconditionFailed(`memory ${id} does not have content_sha256 ${expectedSha256}; nothing was deleted`);
    }
    this.memories.delete(id);
    this.record(memory, 'deleted', actor);
  }

  /** Creates the memory at `path` or replaces its content, as a write through the mounted filesystem does. */
  write(path: string, content: string, actor: MemoryActor = CONSOLE_USER): StoredMemory {
    const existing = this.memoryAt(path);
    return existing ? this.update(existing.id, { content }, actor) : this.create(path, content, actor);
  }

  /** Deletes the memory at `path` (404 when there is none). */
  remove(path: string, actor: MemoryActor = CONSOLE_USER): void {
    const existing = this.memoryAt(path);
    if (!existing) throw notFound(`no memory at ${path} in memory store ${this.id}`);
    this.delete(existing.id, undefined, actor);
  }

  /**
   * Wipes a version's content, content hash, size and path, keeping who wrote it and when. The version that holds a
   * live memory's current content is refused (400): the emulator assumes, as the safer reading of the platform's
   * docs ("scrubs content from a historical version"), that a memory is updated or deleted before its text is
   * redacted.
   */
  redact(versionId: string, actor: MemoryActor): StoredVersion {
    const version = this.version(versionId);
    if (version.redactedAt !== null) return version;
    if (this.memories.get(version.memoryId)?.versionId === version.id) {
      throw invalidRequest(
        `memory version ${versionId} holds the current content of memory ${version.memoryId}: update or delete the memory first`,
      );
    }
    version.redactedAt = new Date().toISOString();
    version.redactedBy = actor;
    version.path = null;
    version.content = null;
    version.contentSha256 = null;
    version.contentSizeBytes = null;
    return version;
  }

  private record(memory: StoredMemory, operation: StoredVersion['operation'], actor: MemoryActor): StoredVersion {
    const deleted = operation === 'deleted';
    const version: StoredVersion = {
      seq: this.history.length,
      id: newId('memver'),
      memoryId: memory.id,
      operation,
      path: memory.path,
      content: deleted ? null : memory.content,
      contentSha256: deleted ? null : memory.contentSha256,
      contentSizeBytes: deleted ? null : Buffer.byteLength(memory.content, 'utf8'),
      createdAt: new Date().toISOString(),
      createdBy: actor,
      redactedAt: null,
      redactedBy: null,
    };
    this.history.push(version);
    return version;
  }

  private checkWritable(): void {
    if (this.archivedAt !== null) {
      throw invalidRequest(`memory store ${this.id} is archived: its memories can be read and deleted, not written`);
    }
  }

  private checkNoOverlap(path: string, self: string | undefined): void {
    for (const other of this.memories.values()) {
      if (other.id === self || !pathsOverlap(path, other.path)) continue;
      const message =
        other.path === path
          ? `memory ${other.id} already has the path ${path}`
          : `the path ${path} overlaps ${other.path} (memory ${other.id}): no memory's path may be an ancestor of another's`;
      throw new EmulatorHttpError(409, 'memory_path_conflict_error', message, {
        conflicting_memory_id: other.id,
        conflicting_path: other.path,
      });
    }
  }
}
