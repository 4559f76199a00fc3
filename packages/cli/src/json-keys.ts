import { duplicateKeyPath } from '@astrocyte/core';

/**
 * Why JSON a user wrote cannot be read as meant, when it gives a key twice in one object (JSON.parse keeps the last
 * and drops the other in silence): `tags: is given more than once; give each key once`. Null when every key is once.
 */
export function keyGivenTwice(text: string): string | null {
  const path = duplicateKeyPath(text);
  return path === null ? null : `${path}: is given more than once; give each key once`;
}
