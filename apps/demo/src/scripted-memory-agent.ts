import { words } from '@astrocyte/core';
import type { AgentTurn, ScriptedAgent } from '@astrocyte/managed-agents/emulator';
import { classifyMessage } from './message-intent.js';
import { firstPersonToSecond } from './pronouns.js';

interface RecallHit {
  memory_id: string;
  text: string;
  score: number;
}

interface RetainOutcome {
  stored: boolean;
  memory_id: string | null;
  deduplicated?: boolean;
  redacted?: string[];
  reason?: string;
}

/**
 * The offline demo's stand-in for a model: it reads the message with a few fixed patterns and calls the memory
 * tools the way an agent would. It decides nothing beyond those patterns and says so when it cannot help.
 */
export const scriptedMemoryAgent: ScriptedAgent = async (turn) => {
  const intent = classifyMessage(turn.message);
  switch (intent.kind) {
    case 'retain':
      return retain(turn, intent.content, intent.tags);
    case 'forget':
      return forget(turn, intent.query);
    case 'reflect':
      return reflect(turn, intent.query);
    case 'recall':
      return recall(turn, intent.query);
    case 'chat':
      turn.say(
        "I'm the demo's scripted agent (no model, no API key), so I only understand a few kinds of message. " +
          'Try "Remember that my favourite colour is green", "What is my favourite colour?", ' +
          '"What do you know about me?" or "Forget my favourite colour".',
      );
  }
};

async function retain(turn: AgentTurn, content: string, tags: string[]): Promise<void> {
  const result = await turn.callTool('memory_retain', { content, ...(tags.length ? { tags: tags.join(',') } : {}) });
  if (result.isError) return turn.say(`I could not store that: ${result.text}`);
  const outcome = result.json<RetainOutcome>();
  if (!outcome.stored) return turn.say(`Memory refused to store that: ${outcome.reason ?? 'no reason given'}.`);
  if (outcome.deduplicated) return turn.say('I already had that in memory, so I kept the one copy.');
  const redacted = outcome.redacted?.length ? ` (I stored it with the ${outcome.redacted.join(', ')} redacted.)` : '';
  turn.say(`Got it. I'll remember that ${lowerFirst(firstPersonToSecond(content))}.${redacted}`);
}

async function recall(turn: AgentTurn, query: string): Promise<void> {
  const hits = await search(turn, query, 3);
  if (hits === null) return;
  const [best, ...others] = hits;
  if (!best) {
    return turn.say('I don\'t have anything in memory about that yet. Tell me with "Remember that ...".');
  }
  const also = others.length ? ` I also found ${others.length} related memor${others.length === 1 ? 'y' : 'ies'}.` : '';
  turn.say(`From memory: ${firstPersonToSecond(best.text)}${endsWithStop(best.text) ? '' : '.'}${also}`);
}

async function reflect(turn: AgentTurn, query: string): Promise<void> {
  const result = await turn.callTool('memory_reflect', { query });
  if (result.isError) return turn.say(`Reflect failed: ${result.text}`);
  // Without an LLM the brain's answer is a list of quoted memories under a header; say it in the agent's voice.
  const [first, ...rest] = result.text.split('\n');
  turn.say(
    first?.startsWith('Extractive answer') && rest.length
      ? `Here is what memory holds on that (quoted, as no LLM is configured for reflect):\n${rest.join('\n')}`
      : result.text,
  );
}

async function forget(turn: AgentTurn, query: string): Promise<void> {
  if (!turn.tools.includes('memory_forget')) return turn.say('This agent was created without the forget tool.');
  const hits = await search(turn, query, 3);
  if (hits === null) return;
  const [target] = hits;
  if (!target) return turn.say(`I found nothing in memory matching "${query}", so there is nothing to forget.`);
  const result = await turn.callTool('memory_forget', { memory_ids: target.memory_id });
  if (result.isError) return turn.say(`I could not forget it: ${result.text}`);
  turn.say(`Forgotten: "${target.text}".`);
}

/**
 * Recalls and keeps the hits that share a word with the query: vector search always returns the nearest
 * memories, related or not, and a script has no judgement to tell them apart (nor should it forget the wrong one).
 */
async function search(turn: AgentTurn, query: string, maxResults: number): Promise<RecallHit[] | null> {
  const result = await turn.callTool('memory_recall', { query, max_results: maxResults });
  if (result.isError) {
    turn.say(`Recall failed: ${result.text}`);
    return null;
  }
  const wanted = new Set(words(query));
  return result.json<{ hits: RecallHit[] }>().hits.filter((hit) => words(hit.text).some((word) => wanted.has(word)));
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]?.toLowerCase() + text.slice(1) : text;
}

function endsWithStop(text: string): boolean {
  return /[.!?]$/.test(text.trim());
}
