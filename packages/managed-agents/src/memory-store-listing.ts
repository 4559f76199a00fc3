import type Anthropic from '@anthropic-ai/sdk';
import type {
  BetaManagedAgentsMemoryVersion,
  MemoryVersionListParams,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-versions';
import { type AstrocyteContext, type Brain, httpStatus, type Memory } from '@astrocyte/core';
import { MemoryStoreRequestError } from './memory-store-errors.js';

/** A memory of a store as a listing shows it: no content, its hash. */
export interface StoreFile {
  id: string;
  path: string;
  sha: string;
}

/** A store memory with its content. */
export interface StoreFileContent extends StoreFile {
  content: string;
}

// The largest pages the API serves: 100 items, 20 with content (view=full).
const BASIC_PAGE = 100;
const FULL_PAGE = 20;

/**
 * Every live memory of a bank, oldest first, read as `context` says (with access configured, its principal). A
 * memory past its `expiresAt` is not live: recall hides it, though list shows it until a purge erases it.
 */
export async function listBankMemories(
  brain: Brain,
  bankId: string,
  context: AstrocyteContext | undefined,
): Promise<Memory[]> {
  const memories: Memory[] = [];
  let cursor: string | null = null;
  do {
    const page = await brain.list(bankId, {
      limit: 1000,
      ...(cursor ? { cursor } : {}),
      ...(context ? { context } : {}),
    });
    memories.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const now = Date.now();
  return memories.filter((memory) => !memory.expiresAt || memory.expiresAt.getTime() > now);
}

/** Every memory of a store below `prefix` (`/`: the whole store), without content. */
export async function listStoreFiles(client: Anthropic, memoryStoreId: string, prefix: string): Promise<StoreFile[]> {
  const files: StoreFile[] = [];
  try {
    const params = { view: 'basic', limit: BASIC_PAGE, ...(prefix !== '/' ? { path_prefix: prefix } : {}) } as const;
    for await (const item of client.beta.memoryStores.memories.list(memoryStoreId, params)) {
      if (item.type === 'memory') files.push({ id: item.id, path: item.path, sha: item.content_sha256 });
    }
  } catch (error) {
    throw new MemoryStoreRequestError(memoryStoreId, 'list its memories', error);
  }
  return files;
}

/** Every memory of a store below `prefix`, with content. */
export async function listStoreContents(
  client: Anthropic,
  memoryStoreId: string,
  prefix: string,
): Promise<StoreFileContent[]> {
  const files: StoreFileContent[] = [];
  try {
    const params = { view: 'full', limit: FULL_PAGE, ...(prefix !== '/' ? { path_prefix: prefix } : {}) } as const;
    for await (const item of client.beta.memoryStores.memories.list(memoryStoreId, params)) {
      if (item.type === 'memory')
        files.push({ id: item.id, path: item.path, sha: item.content_sha256, content: item.content ?? '' });
    }
  } catch (error) {
    throw new MemoryStoreRequestError(memoryStoreId, 'list its memories', error);
  }
  return files;
}

/** A store memory with its content, or null when it no longer exists. */
export async function retrieveStoreFile(
  client: Anthropic,
  memoryStoreId: string,
  id: string,
): Promise<StoreFileContent | null> {
  try {
    const memory = await client.beta.memoryStores.memories.retrieve(id, {
      memory_store_id: memoryStoreId,
      view: 'full',
    });
    return { id: memory.id, path: memory.path, sha: memory.content_sha256, content: memory.content ?? '' };
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw new MemoryStoreRequestError(memoryStoreId, `read memory ${id}`, error);
  }
}

/** Every version of a store that `filter` selects, newest first. */
export async function listStoreVersions(
  client: Anthropic,
  memoryStoreId: string,
  filter: Pick<MemoryVersionListParams, 'session_id' | 'memory_id' | 'view'> = {},
): Promise<BetaManagedAgentsMemoryVersion[]> {
  const versions: BetaManagedAgentsMemoryVersion[] = [];
  try {
    const limit = filter.view === 'full' ? FULL_PAGE : BASIC_PAGE;
    for await (const version of client.beta.memoryStores.memoryVersions.list(memoryStoreId, { ...filter, limit }))
      versions.push(version);
  } catch (error) {
    throw new MemoryStoreRequestError(memoryStoreId, 'list its memory versions', error);
  }
  return versions;
}
