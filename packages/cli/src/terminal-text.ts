import type { Memory, MemoryHit } from '@astrocyte/core';

// What a stored string must not do on a terminal: move the cursor, recolour or hide what follows (C0 and C1 controls,
// DEL), reorder it (bidirectional controls), or break the line it is shown on. A line feed is escaped apart, as a
// block of text may keep it.
const CONTROLS = /(?!\n)[\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}]/gu;
const NAMED: Record<string, string> = { '\t': '\\t', '\r': '\\r', '\n': '\\n' };

/**
 * A stored string as human output shows it: each control character as an escape (`\x1b`, `\r`, `\u202e`), so that
 * a memory can neither recolour the terminal nor pass for a line of output of its own (`--json` escapes them as
 * JSON does). A line feed is escaped too unless `keepLineBreaks` (a block of text, such as reflect's answer).
 */
export function terminalText(value: string, { keepLineBreaks = false } = {}): string {
  const escaped = value.replace(CONTROLS, escapeOf);
  return keepLineBreaks ? escaped : escaped.replace(/\n/g, '\\n');
}

/** A memory on one line of human output: `speaker: text`, then its tags in brackets. */
export function memoryLine(memory: Memory | MemoryHit): string {
  const text = terminalText(memory.speaker ? `${memory.speaker}: ${memory.text}` : memory.text);
  return memory.tags.length > 0 ? `${text}  [${memory.tags.map((tag) => terminalText(tag)).join(', ')}]` : text;
}

function escapeOf(character: string): string {
  const code = character.charCodeAt(0);
  return NAMED[character] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
}
