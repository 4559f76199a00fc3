// Shapes of API keys that a provider may echo back in an error body ("Incorrect API key provided: sk-...").
const KEY_SHAPES = /\b(?:sk|pk|rk|sess)-[A-Za-z0-9_*.-]{6,}|\bBearer\s+[A-Za-z0-9_*.-]{6,}/g;

/**
 * Removes secrets from text that came from a provider, before it goes into an error message. Known secrets are
 * removed wherever they occur; key-shaped tokens are removed too, because servers often echo a masked or partial
 * key, and a partial key is still a leak.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.replace(KEY_SHAPES, '[redacted]');
}
