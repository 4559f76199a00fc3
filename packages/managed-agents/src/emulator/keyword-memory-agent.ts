import type { AgentTurn, ScriptedAgent, ToolResult } from './scripted-agent.js';

interface RecallHit {
  memory_id: string;
  text: string;
  score: number;
}

/** Options of the ready-made scripted agent. */
export interface KeywordMemoryAgentOptions {
  /** How many memories a recall asks for (default 3). */
  maxResults?: number;
}

const REMEMBER = /^\s*(?:please\s+)?(?:remember|note|store|memori[sz]e)(?:\s+that)?[\s:,]+(.+)$/is;
const FORGET = /^\s*(?:please\s+)?forget(?:\s+(?:that|about))?[\s:,]+(.+)$/is;
const REFLECT = /^\s*(?:reflect(?:\s+on)?|summari[sz]e|what do you know about)[\s:,]+(.+?)\??\s*$/is;
const QUESTION = /\?\s*$|^\s*(?:what|who|whom|where|when|which|why|how|do|does|did|is|are|can|could|should|tell me)\b/i;

/**
 * A SCRIPTED agent (no model): decides from keywords in the user's message which memory tool to call, so an
 * application can be run and tested offline against the emulator.
 * "remember that …" retains; "forget …" recalls then forgets the best match; "reflect on …" / "what do you know
 * about …" reflects when the agent has memory_reflect; a question recalls and answers from the hits.
 */
export function keywordMemoryAgent(options: KeywordMemoryAgentOptions = {}): ScriptedAgent {
  const maxResults = options.maxResults ?? 3;
  return async (turn) => {
    const message = turn.message.trim();
    const remember = REMEMBER.exec(message);
    if (remember) return retain(turn, (remember[1] as string).trim());
    const forget = FORGET.exec(message);
    if (forget) return forgetBest(turn, (forget[1] as string).trim(), maxResults);
    const reflect = REFLECT.exec(message);
    if (reflect && turn.tools.includes('memory_reflect')) return reflectOn(turn, (reflect[1] as string).trim());
    if (QUESTION.test(message)) return answerFromMemory(turn, message, maxResults);
    turn.say(
      '(scripted agent) I can remember, recall, reflect and forget. Try "remember that …", a question, ' +
        '"reflect on …" or "forget …".',
    );
  };
}

async function retain(turn: AgentTurn, content: string): Promise<void> {
  const result = await turn.callTool('memory_retain', { content });
  if (failed(turn, result)) return;
  const outcome = result.json<{ stored: boolean; deduplicated?: boolean; reason?: string; redacted?: string[] }>();
  if (outcome.deduplicated) turn.say('I already knew that.');
  else if (!outcome.stored) turn.say(`I could not store that: ${outcome.reason ?? 'refused by policy'}.`);
  else if (outcome.redacted?.length) turn.say(`Noted, with ${outcome.redacted.join(', ')} redacted.`);
  else turn.say(`Noted: ${content}`);
}

async function answerFromMemory(turn: AgentTurn, query: string, maxResults: number): Promise<void> {
  const result = await turn.callTool('memory_recall', { query, max_results: maxResults });
  if (failed(turn, result)) return;
  const { hits } = result.json<{ hits: RecallHit[] }>();
  if (hits.length === 0) {
    turn.say("I don't have anything about that in memory.");
    return;
  }
  turn.say(`From memory: ${hits.map((hit) => hit.text).join(' ')}`);
}

async function reflectOn(turn: AgentTurn, query: string): Promise<void> {
  const result = await turn.callTool('memory_reflect', { query });
  if (failed(turn, result)) return;
  turn.say(result.text);
}

async function forgetBest(turn: AgentTurn, query: string, maxResults: number): Promise<void> {
  const recalled = await turn.callTool('memory_recall', { query, max_results: maxResults });
  if (failed(turn, recalled)) return;
  const [best] = recalled.json<{ hits: RecallHit[] }>().hits;
  if (!best) {
    turn.say('I have nothing about that to forget.');
    return;
  }
  if (!turn.tools.includes('memory_forget')) {
    turn.say('I am not allowed to forget memories (memory_forget is not enabled).');
    return;
  }
  const result = await turn.callTool('memory_forget', { memory_ids: [best.memory_id] });
  if (failed(turn, result)) return;
  const { deleted_count } = result.json<{ deleted_count: number }>();
  turn.say(deleted_count > 0 ? `Forgotten: ${best.text}` : 'That memory was already gone.');
}

function failed(turn: AgentTurn, result: ToolResult): boolean {
  if (!result.isError) return false;
  turn.say(`The ${result.name} tool failed: ${result.text}`);
  return true;
}
