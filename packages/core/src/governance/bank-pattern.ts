/** Compiles a bank pattern (`*` matches any run of characters, `?` one character) to an anchored RegExp. */
export function compileBankPattern(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
