import { type Embedder, OpenAIEmbedder } from '@astrocyte/core';
import { SENTENCE_ENCODER_MODEL, SentenceEncoder, serveSentenceEncoder } from '../lib/sentence-encoder.js';

export const EMBEDDERS = ['local', 'sentence-encoder', 'openai'] as const;
export type EmbedderChoice = (typeof EMBEDDERS)[number];

/** The embedder a quality run uses, how the report names it, and what to stop when the run ends. */
export interface QualityEmbedder {
  /** Undefined for the local embedder: the brain's own default. */
  embedder: Embedder | undefined;
  label: string;
  close(): Promise<void>;
}

/**
 * The embedder of a quality run. `local` is the default brain's; `sentence-encoder` is a neural model run in this
 * process (bench/src/lib/sentence-encoder.ts) and served over HTTP to the library's OpenAI-compatible embedder, so
 * it goes through the same client, batching and checks as a hosted model; `openai` is the user's own model, reached
 * as the library reaches it (OPENAI_API_KEY, and OPENAI_BASE_URL for any compatible server).
 */
export async function openQualityEmbedder(
  choice: EmbedderChoice,
  openai: { model: string | undefined; dimensions: number | undefined },
): Promise<QualityEmbedder> {
  if (choice === 'local') return { embedder: undefined, label: 'local embedder', close: async () => {} };
  if (choice === 'openai') {
    if (openai.dimensions === undefined) throw new Error("--embedder openai needs --dimensions (the model's)");
    const embedder = await OpenAIEmbedder.create({
      dimensions: openai.dimensions,
      ...(openai.model ? { model: openai.model } : {}),
      ...(process.env.OPENAI_BASE_URL ? { baseURL: process.env.OPENAI_BASE_URL } : {}),
    });
    return { embedder, label: embedder.name, close: async () => {} };
  }
  const { embedder, server } = await serveSentenceEncoder(new SentenceEncoder());
  return {
    embedder,
    label: `${SENTENCE_ENCODER_MODEL} (in this process, over HTTP)`,
    close: () => server.close(),
  };
}
