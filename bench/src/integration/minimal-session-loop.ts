import type Anthropic from '@anthropic-ai/sdk';
import { type Brain, handleMemoryTool } from '@astrocyte/core';

/**
 * The least code that runs one Managed Agents turn with memory tools: open the stream, send the message, answer
 * each custom tool call with handleMemoryTool, stop at the first idle that is not `requires_action`. No reconnects,
 * no dedupe, no time-out, no error typing: the baseline the runner's per-round-trip cost is measured against.
 */
export async function minimalSessionTurn(
  client: Anthropic,
  brain: Brain,
  sessionId: string,
  prompt: string,
  bankId: string,
): Promise<string> {
  const stream = await client.beta.sessions.events.stream(sessionId);
  await client.beta.sessions.events.send(sessionId, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: prompt }] }],
  });
  let text = '';
  for await (const event of stream) {
    if (event.type === 'agent.custom_tool_use') {
      let result: string;
      let isError = false;
      try {
        result = await handleMemoryTool(brain, event.name, event.input, { bankId });
      } catch (error) {
        result = (error as Error).message;
        isError = true;
      }
      await client.beta.sessions.events.send(sessionId, {
        events: [
          {
            type: 'user.custom_tool_result',
            custom_tool_use_id: event.id,
            content: [{ type: 'text', text: result }],
            is_error: isError,
          },
        ],
      });
    } else if (event.type === 'agent.message') {
      text += event.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    } else if (event.type === 'session.status_idle' && event.stop_reason?.type !== 'requires_action') {
      break;
    }
  }
  stream.controller.abort();
  return text;
}
