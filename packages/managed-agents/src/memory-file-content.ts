import { createHash } from 'node:crypto';
import type { Memory } from '@astrocyte/core';

/** The largest memory content the API accepts, in UTF-8 bytes. */
export const MAX_CONTENT_BYTES = 102_400;

/** Lowercase hex SHA-256 of the UTF-8 bytes: the API's `content_sha256`, computed the same way. */
export function contentSha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** The size of a content in UTF-8 bytes, as the API counts it. */
export function contentBytes(content: string): number {
  return Buffer.byteLength(content, 'utf8');
}

/**
 * A memory as it leaves the bank: text, tags, speaker and path passed through the brain's output scan (identity
 * when `scan_output` is off), id, bank and dates as they are.
 */
export function scannedMemory(memory: Memory, scan: (text: string) => string): Memory {
  return {
    ...memory,
    text: scan(memory.text),
    tags: memory.tags.map(scan),
    ...(memory.speaker ? { speaker: scan(memory.speaker) } : {}),
    ...(memory.path ? { path: scan(memory.path) } : {}),
  };
}

/**
 * A memory's file: a front-matter header (the memory's id and bank, which let a pull recognise the file, then its
 * date, tags, speaker and path) and the text. Values are JSON, which is also valid YAML.
 */
export function renderMemoryFile(memory: Memory): string {
  const lines = [
    `astrocyte_memory: ${JSON.stringify(memory.id)}`,
    `bank: ${JSON.stringify(memory.bankId)}`,
    `date: ${JSON.stringify((memory.occurredAt ?? memory.createdAt).toISOString())}`,
  ];
  if (memory.tags.length > 0) lines.push(`tags: ${JSON.stringify(memory.tags)}`);
  if (memory.speaker) lines.push(`speaker: ${JSON.stringify(memory.speaker)}`);
  if (memory.path) lines.push(`path: ${JSON.stringify(memory.path)}`);
  return `---\n${lines.join('\n')}\n---\n\n${memory.text}\n`;
}

/** Which bank memory a file was pushed from, as its header says. */
export interface MemoryFileHeader {
  memoryId: string;
  bankId: string;
}

/** A file's header, when it is a pushed memory's, and its text without it. */
export interface ParsedMemoryFile {
  header: MemoryFileHeader | null;
  body: string;
}

const FRONT_MATTER = /^---\n([\s\S]*?)\n---\n\n?/;

/** Splits a file into the header a push wrote (null for any other file) and the text below it. */
export function parseMemoryFile(content: string): ParsedMemoryFile {
  const match = FRONT_MATTER.exec(content);
  if (!match) return { header: null, body: content };
  const fields = new Map<string, unknown>();
  for (const line of (match[1] as string).split('\n')) {
    const colon = line.indexOf(': ');
    if (colon <= 0) continue;
    try {
      fields.set(line.slice(0, colon), JSON.parse(line.slice(colon + 2)));
    } catch {
      // A value someone edited into invalid JSON is not one of ours to read.
    }
  }
  const memoryId = fields.get('astrocyte_memory');
  const bankId = fields.get('bank');
  if (typeof memoryId !== 'string' || typeof bankId !== 'string') return { header: null, body: content };
  return { header: { memoryId, bankId }, body: content.slice(match[0].length).replace(/\n$/, '') };
}

/** Whether a file's body is `text` as a push writes it (trailing and leading blank space aside). */
export function sameText(body: string, text: string): boolean {
  return body.trim() === text.trim();
}

/**
 * Whether a pull took in the file of hash `sha` to make `memory`: its metadata records the hash, or, for a long text
 * whose chunk files were edited, the list of every edited file's hash (the text replaced all its chunks at once).
 */
export function tookInFile(memory: Memory | undefined, sha: string): boolean {
  const recorded = memory?.metadata.memory_store_content_sha256;
  return recorded === sha || (Array.isArray(recorded) && recorded.includes(sha));
}
