import { words } from '@astrocyte/core/backend';
import type { AgentTurn, ScriptedAgent } from '@astrocyte/managed-agents/emulator';
import { SPEAKERS } from './chat-agent.js';
import { classifyMessage } from './message-intent.js';
import { firstPersonToSecond } from './pronouns.js';

interface RecallHit {
  memory_id: string;
  text: string;
  score: number;
  /** Set on conversation turns. */
  speaker?: string;
}

interface RetainOutcome {
  stored: boolean;
  memory_id: string | null;
  deduplicated?: boolean;
  redacted?: string[];
  reason?: string;
}

// Hits the script asks recall for when answering a question.
const RECALLED = 20;
const NOTHING_YET = 'I don\'t have anything in memory about that yet. Tell me with "Remember that ...".';

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

/**
 * Answers from what recall found. Memories that share a word with the question are the answer; when none does
 * (a lexical embedder cannot link "eating" to "peanuts"), the script says so and quotes recall's closest matches
 * rather than claiming memory is empty: it has no judgement to tell whether they answer the question. Recall's
 * scores do not help here: they say how well a memory matches the question's words, and the allergy scores near 0
 * for "what should I avoid eating?".
 */
async function recall(turn: AgentTurn, query: string): Promise<void> {
  // More hits than it quotes: its own earlier replies and the user's questions rank high (they repeat the question's
  // words) and are left out of what memory says, so five could hold nothing else after a few turns of chat.
  const hits = await recallHits(turn, query, RECALLED);
  if (hits === null) return;
  const known = statements(hits);
  if (known.length === 0) return turn.say(NOTHING_YET);
  const wanted = new Set(words(query));
  const matching = known.filter((statement) => words(statement).some((word) => wanted.has(word)));
  if (matching.length > 0) return turn.say(`From memory: ${listed(matching.slice(0, 3))}`);
  turn.say(
    "Nothing in memory uses the words of your question. I'm a script and can't judge whether it answers you, " +
      `but this is what recall found closest in memory: ${listed(known.slice(0, 2))}`,
  );
}

/**
 * What the hits say, best first, once each: facts as they are, and statements the user made in conversation.
 * The agent's own replies are left out (they only echo what memory held), and so are the user's questions and
 * requests, which say nothing about them.
 */
function statements(hits: RecallHit[]): string[] {
  const said = hits.flatMap((hit) => {
    if (hit.speaker === undefined) return [firstPersonToSecond(hit.text)];
    if (hit.speaker === SPEAKERS.agent) return [];
    if (hit.speaker !== SPEAKERS.user) return [`${hit.speaker} said "${hit.text}"`];
    const intent = classifyMessage(hit.text);
    return intent.kind === 'retain' ? [firstPersonToSecond(intent.content)] : [];
  });
  return [...new Set(said.map(sentence))];
}

function listed(statements: string[]): string {
  return statements.length === 1 ? (statements[0] as string) : statements.map((s) => `\n- ${s}`).join('');
}

async function reflect(turn: AgentTurn, query: string): Promise<void> {
  const result = await turn.callTool('memory_reflect', { query });
  if (result.isError) return turn.say(`Reflect failed: ${result.text}`);
  // Without an LLM the brain's answer is a list of quoted memories under a header; say it in the agent's voice,
  // without its own earlier replies (quoted with their speaker), which only echo memory, nor the user's questions
  // and chit-chat ("Thanks."), which say nothing about them: the statements recall's answers keep.
  const [first, ...lines] = result.text.split('\n');
  const rest = quotedEntries(lines);
  const ownReply = new RegExp(`^\\[\\d+\\] ${SPEAKERS.agent}: `);
  const userTurn = new RegExp(`^\\[\\d+\\] ${SPEAKERS.user}: (.*?)(?: \\(\\d{4}-\\d{2}-\\d{2}\\))*$`);
  const quotedMemory = /^\[\d+\] (.*?)(?: \(\d{4}-\d{2}-\d{2}\))*$/s;
  // A fact and the turn that told it ("Remember that ...") say the same thing: it is quoted once, where first found.
  const seen = new Set<string>();
  const kept = rest.filter((entry) => {
    if (ownReply.test(entry)) return false;
    const said = userTurn.exec(entry)?.[1];
    const intent = said === undefined ? null : classifyMessage(said);
    if (intent && intent.kind !== 'retain') return false;
    const statement = intent?.kind === 'retain' ? intent.content : (quotedMemory.exec(entry)?.[1] ?? entry);
    const key = statement
      .toLowerCase()
      .replace(/[.!?"]+$/, '')
      .trim();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (!first?.startsWith('Extractive answer') || rest.length === 0) return turn.say(result.text);
  if (kept.length === 0) {
    // Every source was the chat's own echo: after a few questions, its questions and replies share the question's
    // words and fill reflect's sources ahead of the facts. Recall's wider list holds them.
    const hits = await recallHits(turn, query, RECALLED);
    if (hits === null) return;
    const known = statements(hits);
    return turn.say(known.length > 0 ? `From memory: ${listed(known.slice(0, 5))}` : NOTHING_YET);
  }
  const quoted = kept.map((entry, i) => entry.replace(/^\[\d+\]/, `[${i + 1}]`));
  turn.say(`Here is what memory holds on that (quoted, as no LLM is configured for reflect):\n${quoted.join('\n')}`);
}

/**
 * Reflect's quoted memories, one entry each: its answer numbers them from [1], and a memory of several lines (an
 * earlier answer of this agent, which quotes memories under numbers of its own) goes on over the next lines until
 * the next number in sequence.
 */
function quotedEntries(lines: string[]): string[] {
  const entries: string[] = [];
  for (const line of lines) {
    if (line.startsWith(`[${entries.length + 1}] `)) entries.push(line);
    else if (entries.length > 0) entries[entries.length - 1] += `\n${line}`;
  }
  return entries;
}

/**
 * Forgets every memory that has all the words of the request, facts and conversation turns alike: forgetting a
 * fact while the transcript still says it would not be forgetting. All the words, because the script cannot tell
 * "my favourite colour" from "my favourite food" by meaning.
 */
async function forget(turn: AgentTurn, query: string): Promise<void> {
  if (!turn.tools.includes('memory_forget')) return turn.say('This agent was created without the forget tool.');
  const hits = await recallHits(turn, query, 50);
  if (hits === null) return;
  const wanted = words(query);
  const targets = hits.filter((hit) => {
    const have = new Set(words(hit.text));
    return wanted.length > 0 && wanted.every((word) => have.has(word));
  });
  const [main] = [...targets.filter((hit) => hit.speaker === undefined), ...targets];
  if (!main) return turn.say(`I found nothing in memory matching "${query}", so there is nothing to forget.`);
  const result = await turn.callTool('memory_forget', { memory_ids: targets.map((hit) => hit.memory_id).join(',') });
  if (result.isError) return turn.say(`I could not forget it: ${result.text}`);
  const others = targets.length - 1;
  turn.say(
    `Forgotten: "${main.text}"${others > 0 ? `, and ${others} more ${others === 1 ? 'memory' : 'memories'} that said it` : ''}.`,
  );
}

/** Calls memory_recall; on an error, says so and returns null. */
async function recallHits(turn: AgentTurn, query: string, maxResults: number): Promise<RecallHit[] | null> {
  const result = await turn.callTool('memory_recall', { query, max_results: maxResults });
  if (result.isError) {
    turn.say(`Recall failed: ${result.text}`);
    return null;
  }
  return result.json<{ hits: RecallHit[] }>().hits;
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]?.toLowerCase() + text.slice(1) : text;
}

// A statement as a sentence of the answer: ends with a full stop unless it has its own.
function sentence(text: string): string {
  return /[.!?"]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}
