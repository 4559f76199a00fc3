import type { Brain, RetainResult } from '../types.js';

// Longer than the default chunk size (4,000 characters): stored as chunks.
const longText = (topic: string) =>
  Array.from({ length: 60 }, (_, i) => `The ${topic}, paragraph ${i}: what was said and decided there.`).join('\n\n');

/**
 * Retains into `bankId` one memory of each kind whose content hash is made its own way: a session's turns (a "yes"
 * said twice, a turn long enough to be chunked), a plain memory and a long text. The same call again must find every
 * one of them as an exact repeat, on any release's schema.
 */
export async function retainHashedKinds(brain: Brain, bankId: string): Promise<RetainResult[]> {
  const turns = await brain.retainConversation(
    [
      { speaker: 'Ann', text: 'Shall we meet on Friday?' },
      { speaker: 'Bob', text: 'yes' },
      { speaker: 'Ann', text: 'And the week after?' },
      { speaker: 'Bob', text: 'yes' },
      { speaker: 'Ann', text: longText('minutes of the planning meeting') },
    ],
    { bankId, sessionId: 'planning', occurredAt: '2026-05-08T10:00:00Z' },
  );
  return [
    ...turns,
    await brain.retain('The office moves to Lisbon in June.', { bankId }),
    await brain.retain(longText('staff handbook'), { bankId }),
  ];
}
