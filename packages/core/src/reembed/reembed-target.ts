import { createEmbedder } from '../config/create-embedder.js';
import { parseConfig } from '../config/load-config.js';
import { parseYaml } from '../config/parse-yaml.js';
import type { Embedder } from '../embedders/embedder.js';
import { ConfigError, ValidationError } from '../errors.js';

const EXAMPLE = '{ provider: openai, model: text-embedding-3-small, dimensions: 256 }';

/**
 * The embedder an `embedding:` section names (snake_case keys as in astrocyte.yaml, `${VAR}` from the environment),
 * validated by the config's own schema: errors are the ConfigErrors a config with that section would give.
 */
export async function embedderFor(to: unknown): Promise<Embedder> {
  if (typeof to !== 'object' || to === null || Array.isArray(to))
    throw new ValidationError('to', `must be an embedding: section as in astrocyte.yaml, e.g. ${EXAMPLE}`);
  return createEmbedder(parseConfig({ embedding: to }).config.embedding);
}

/**
 * The `embedding:` section in YAML text: the value of its top-level `embedding:` key (so a whole astrocyte.yaml
 * works), else the mapping itself. `source` names the text in errors.
 */
export function embeddingSectionFromYaml(text: string, source: string): Record<string, unknown> {
  const { value } = parseYaml(text, source);
  const section = isMapping(value) && 'embedding' in value ? value.embedding : value;
  if (!isMapping(section))
    throw new ConfigError(`${source}: expected an embedding: section as in astrocyte.yaml, e.g. ${EXAMPLE}`);
  return section;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
