import { afterEach, describe, expect, it } from 'vitest';
import { Astrocyte } from '../astrocyte.js';
import { LocalEmbedder } from '../embedders/local-embedder.js';
import { ConfigError, ValidationError } from '../errors.js';
import { InMemoryStore } from '../in-memory/in-memory-store.js';
import type { RetainEvent } from './hook-events.js';

const open: Astrocyte[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((brain) => brain.close()));
});

async function textOfRetainEvent(config: unknown): Promise<string | undefined> {
  const brain = await Astrocyte.fromConfigObject(config);
  open.push(brain);
  const events: RetainEvent[] = [];
  brain.on('retain', (event) => void events.push(event));
  await brain.retain('The badge office opens at eight', { bankId: 'config-hooks' });
  expect(events).toHaveLength(1);
  return events[0]?.text;
}

describe('hooks config', () => {
  it('hooks.include_text in astrocyte.yaml puts the text in events; it is off by default', async () => {
    expect(await textOfRetainEvent({ storage: { backend: 'memory' } })).toBeUndefined();
    expect(await textOfRetainEvent({ storage: { backend: 'memory' }, hooks: { include_text: false } })).toBeUndefined();
    expect(await textOfRetainEvent({ storage: { backend: 'memory' }, hooks: { include_text: true } })).toBe(
      'The badge office opens at eight',
    );
  });

  it('a bad hooks section is a ConfigError naming the key', async () => {
    const notBoolean = Astrocyte.fromConfigObject({ storage: { backend: 'memory' }, hooks: { include_text: 'yes' } });
    await expect(notBoolean).rejects.toThrow(ConfigError);
    await expect(notBoolean).rejects.toThrow(/hooks\.include_text/);
    const misspelt = Astrocyte.fromConfigObject({ storage: { backend: 'memory' }, hooks: { include_txt: true } });
    await expect(misspelt).rejects.toThrow(/include_text/);
  });

  it('Astrocyte.create checks hooks.includeText and hooks.onListenerError', async () => {
    const create = (hooks: unknown) =>
      Astrocyte.create({ store: new InMemoryStore(), embedder: new LocalEmbedder(), hooks: hooks as never });
    await expect(create({ includeText: 'yes' })).rejects.toThrow(ValidationError);
    await expect(create({ includeText: 'yes' })).rejects.toThrow(/hooks\.includeText/);
    await expect(create({ onListenerError: 'console' })).rejects.toThrow(/hooks\.onListenerError: must be a function/);
  });
});
