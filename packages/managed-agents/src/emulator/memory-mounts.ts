import { EmulatorHttpError, invalidRequest, notFound } from './emulator-ids.js';
import { mountSlug } from './memory-paths.js';
import type { EmulatedMemoryStore, MemoryActor } from './memory-stores.js';
import type { ToolOutput } from './session-tool-calls.js';

/** Where attached memory stores appear in a session's container. */
export const MEMORY_MOUNT_ROOT = '/mnt/memory';
/** The most memory stores one session takes (the platform's limit). */
const MAX_MEMORY_STORES = 8;
const MAX_INSTRUCTIONS = 4096;

/** A memory store attached to a session, as the session's file tools see it. */
export interface MemoryMount {
  readonly store: EmulatedMemoryStore;
  /** The store's name when the session was created (a later rename does not move the mount). */
  readonly name: string;
  /** `/mnt/memory/<slug of the store's name>`. */
  readonly mountPath: string;
  readonly access: 'read_write' | 'read_only';
  readonly instructions: string | null;
}

/**
 * Mounts the `memory_store` resources of a session being created: each store must exist and not be archived, at
 * most 8 and each once. Returns the mounts and the resources as the session returns them (the SDK's
 * `BetaManagedAgentsMemoryStoreResource`, with the name and description snapshotted now). Two stores whose names
 * make the same directory are told apart with `-2`, `-3`... (the platform's rule for this is not documented).
 */
export function mountMemoryStores(
  resources: Array<Record<string, unknown>>,
  stores: Map<string, EmulatedMemoryStore>,
): { mounts: MemoryMount[]; resources: Array<Record<string, unknown>> } {
  if (resources.length > MAX_MEMORY_STORES) {
    throw invalidRequest(`resources: a session takes at most ${MAX_MEMORY_STORES} memory stores`);
  }
  const mounts: MemoryMount[] = [];
  const taken = new Set<string>();
  const json = resources.map((resource) => {
    const id = resource.memory_store_id as string;
    const store = stores.get(id);
    if (!store) throw notFound(`memory store ${id} not found`);
    if (store.archivedAt !== null) throw invalidRequest(`memory store ${id} is archived and cannot be attached`);
    if (mounts.some((mount) => mount.store === store)) throw invalidRequest(`memory store ${id} is attached twice`);
    const access = resource.access ?? 'read_write';
    if (access !== 'read_write' && access !== 'read_only') {
      throw invalidRequest('resources: access must be read_write or read_only');
    }
    const instructions = resource.instructions ?? null;
    if (instructions !== null && (typeof instructions !== 'string' || instructions.length > MAX_INSTRUCTIONS)) {
      throw invalidRequest(`resources: instructions must be a string of at most ${MAX_INSTRUCTIONS} characters`);
    }
    const slug = mountSlug(store.name);
    let directory = slug;
    for (let n = 2; taken.has(directory); n++) directory = `${slug}-${n}`;
    taken.add(directory);
    const mountPath = `${MEMORY_MOUNT_ROOT}/${directory}`;
    const mount: MemoryMount = { store, name: store.name, mountPath, access, instructions };
    mounts.push(mount);
    return {
      type: 'memory_store',
      memory_store_id: id,
      access,
      instructions,
      name: store.name,
      description: store.description,
      mount_path: mount.mountPath,
    };
  });
  return { mounts, resources: json };
}

/**
 * The files of a session's mounted memory stores, as the agent's file tools reach them: a file is
 * `<mount path><memory path>`; writes are recorded as the session (`session_actor`), so they show in versions
 * listed by `session_id`. Failures come back as a tool's error text, never thrown, as a file tool reports them.
 */
export class MemoryFiles {
  constructor(
    private readonly mounts: readonly MemoryMount[],
    private readonly sessionId: string,
  ) {}

  read(filePath: string): ToolOutput {
    return this.attempt(() => {
      const { mount, path } = this.resolve(filePath);
      const memory = mount.store.memoryAt(path);
      if (!memory) throw notFound(`no such file: ${filePath}`);
      return memory.content;
    });
  }

  write(filePath: string, content: string): ToolOutput {
    return this.attempt(() => {
      const { mount, path } = this.writable(filePath);
      const existed = mount.store.memoryAt(path) !== undefined;
      mount.store.write(path, content, this.actor());
      return `${existed ? 'updated' : 'created'} ${filePath}`;
    });
  }

  remove(filePath: string): ToolOutput {
    return this.attempt(() => {
      const { mount, path } = this.writable(filePath);
      mount.store.remove(path, this.actor());
      return `removed ${filePath}`;
    });
  }

  /** Every file at or below `directory`, one absolute path a line, sorted. */
  list(directory: string): ToolOutput {
    return this.attempt(() => {
      const within = directory.endsWith('/') ? directory : `${directory}/`;
      const files = this.mounts
        .filter((mount) => !mount.store.deleted)
        .flatMap((mount) => mount.store.list().map((memory) => `${mount.mountPath}${memory.path}`))
        .filter((file) => file.startsWith(within))
        .sort();
      return files.join('\n');
    });
  }

  private actor(): MemoryActor {
    return { type: 'session_actor', session_id: this.sessionId };
  }

  private resolve(filePath: string): { mount: MemoryMount; path: string } {
    const mount = this.mounts.find((candidate) => filePath.startsWith(`${candidate.mountPath}/`));
    if (!mount || mount.store.deleted) throw notFound(`no such file or directory: ${filePath}`);
    return { mount, path: filePath.slice(mount.mountPath.length) };
  }

  private writable(filePath: string): { mount: MemoryMount; path: string } {
    const resolved = this.resolve(filePath);
    if (resolved.mount.access === 'read_only') {
      throw new EmulatorHttpError(403, 'read_only', `read-only file system: ${resolved.mount.mountPath}`);
    }
    return resolved;
  }

  private attempt(action: () => string): ToolOutput {
    try {
      return { text: action(), isError: false };
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      return { text: error.message, isError: true };
    }
  }
}
