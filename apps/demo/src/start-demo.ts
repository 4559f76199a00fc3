import { dirname, join, resolve } from 'node:path';
import type { Astrocyte } from '@astrocyte/core';
import type { ChatAgent } from './chat-agent.js';
import { createChatAgent } from './create-chat-agent.js';
import { createDemoApp } from './demo-server.js';
import { listen } from './listen.js';
import { openDemoBrain } from './open-brain.js';

/** The bank the chat starts on when neither `--bank` nor the config names one. */
export const DEFAULT_BANK = 'demo-user';

/** Options of `startDemo` and `openDemo`. */
export interface StartDemoOptions {
  port?: number;
  host?: string;
  db?: string;
  config?: string;
  bank?: string;
  /** Defaults to ANTHROPIC_API_KEY; without a key the scripted agent runs on the local emulator. */
  apiKey?: string;
  /** Use the scripted agent on the emulator even when an API key is set (tests). */
  offline?: boolean;
}

/** The brain and the agent, ready for a turn, before any server is started. */
export interface OpenDemo {
  brain: Astrocyte;
  agent: ChatAgent;
  storage: string;
  bank: string;
  close(): Promise<void>;
}

/** A running demo server. */
export interface RunningDemo extends OpenDemo {
  url: string;
}

/** Opens the brain and the agent the demo runs on. */
export async function openDemo(options: StartDemoOptions = {}): Promise<OpenDemo> {
  const { brain, storage, defaultBank } = await openDemoBrain(options);
  try {
    const apiKey = options.offline ? undefined : (options.apiKey ?? process.env.ANTHROPIC_API_KEY);
    const agent = await createChatAgent(brain, {
      ...(apiKey ? { apiKey } : {}),
      ...(process.env.ASTROCYTE_DEMO_MODEL ? { model: process.env.ASTROCYTE_DEMO_MODEL } : {}),
      stateFile: agentStateFile(options.db),
    });
    return {
      brain,
      agent,
      storage,
      bank: options.bank ?? defaultBank ?? DEFAULT_BANK,
      close: async () => {
        await agent.close();
        await brain.close();
      },
    };
  } catch (error) {
    await brain.close();
    throw error;
  }
}

/** Opens the demo and serves it; resolves once the server listens. */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const demo = await openDemo(options);
  try {
    const app = createDemoApp(demo.brain, demo.agent, { storage: demo.storage, defaultBank: demo.bank });
    const listening = await listen(app, {
      host: options.host ?? '127.0.0.1',
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    return {
      ...demo,
      url: listening.url,
      close: async () => {
        await listening.close();
        await demo.close();
      },
    };
  } catch (error) {
    await demo.close();
    throw error;
  }
}

// The live agent's ids sit next to the database they belong with.
function agentStateFile(db: string | undefined): string {
  return db ? join(dirname(resolve(db)), 'astrocyte-demo-agent.json') : resolve('astrocyte-demo-agent.json');
}
