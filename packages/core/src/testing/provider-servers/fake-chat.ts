/** A chat request as the fake server hands it to an answer writer, the same for both APIs. */
export interface FakeChatRequest {
  api: 'openai' | 'anthropic';
  model: string;
  /** The system prompt (OpenAI `system`/`developer` messages, Anthropic `system`). */
  system: string;
  /** The user turns, joined. */
  prompt: string;
  maxTokens?: number;
  /** The raw request body. */
  body: Record<string, unknown>;
}

const MEMORY_LINE = /^\[(\d+)\]\s+(?:\(\d{4}-\d{2}-\d{2}\)\s+)?(.+)$/m;

/**
 * The default answer: quotes the first numbered memory in the prompt and cites it as [n], or says plainly that
 * memory does not hold the answer when the prompt has no numbered memory.
 */
export function defaultFakeAnswer(request: FakeChatRequest): string {
  const match = MEMORY_LINE.exec(request.prompt);
  if (!match) return 'Memory does not hold the answer to that.';
  return `According to memory, ${match[2]?.trim()} [${match[1]}]`;
}

/** Reads a chat completions body; a string is the 400 message for a body the real API would refuse. */
export function readOpenAIChatRequest(body: Record<string, unknown>): FakeChatRequest | string {
  if (typeof body.model !== 'string' || body.model === '') return 'model is required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages must be a non-empty array';
  const system: string[] = [];
  const user: string[] = [];
  for (const message of body.messages as { role?: unknown; content?: unknown }[]) {
    const text = contentText(message?.content);
    if (text === undefined) return 'each message needs string or text-part content';
    if (message.role === 'system' || message.role === 'developer') system.push(text);
    else if (message.role === 'user') user.push(text);
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return {
    api: 'openai',
    model: body.model,
    system: system.join('\n'),
    prompt: user.join('\n'),
    ...(typeof maxTokens === 'number' ? { maxTokens } : {}),
    body,
  };
}

/** Reads a Messages API body; a string is the 400 message for a body the real API would refuse. */
export function readAnthropicRequest(body: Record<string, unknown>): FakeChatRequest | string {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  const system = body.system === undefined ? '' : contentText(body.system);
  if (system === undefined) return 'system: must be a string or text blocks';
  const user: string[] = [];
  for (const message of body.messages as { role?: unknown; content?: unknown }[]) {
    const text = contentText(message?.content);
    if (text === undefined) return 'messages: content must be a string or text blocks';
    if (message.role === 'user') user.push(text);
  }
  return { api: 'anthropic', model: body.model, system, prompt: user.join('\n'), maxTokens: body.max_tokens, body };
}

function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.map((part: { type?: unknown; text?: unknown }) =>
    typeof part?.text === 'string' ? part.text : undefined,
  );
  return parts.every((p) => p !== undefined) ? parts.join('\n') : undefined;
}
