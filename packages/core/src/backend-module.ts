import type { z } from 'zod';
import type { EmbedderInfo, MemoryStore } from './memory-store.js';

/**
 * What a storage backend package exports as `backend`: core opens the store `astrocyte.yaml` names through it, so
 * core itself knows no backend's options. The backend validates its own section (`storage.<name>:`).
 */
export interface BackendModule<Options = unknown> {
  /** The `storage.backend` value that selects this backend; also the key of its section in `storage:`. */
  readonly name: string;
  /** Validates the backend's section of `astrocyte.yaml` as written there (snake_case keys); `{}` when absent. */
  readonly configSchema: z.ZodType<Options>;
  /**
   * Opens a store from validated options; relative paths resolve against `baseDir`, the config file's folder. With
   * `existing`, a store that is not there yet is a `storage_database_missing` StorageError instead of a new empty
   * one: a command that only reads must not create a store at a mistyped path.
   */
  open(options: Options, context: OpenContext): Promise<MemoryStore>;
}

/** Where and how a backend opens its store (see BackendModule.open). */
export interface OpenContext {
  baseDir: string;
  existing?: boolean;
  /**
   * The embedder the brain will use: a store that recorded another is refused (EmbedderMismatchError) before the
   * backend upgrades its schema, so that it stays as the release that wrote it left it.
   */
  embedder?: EmbedderInfo;
}
