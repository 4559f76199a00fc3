import { type Document, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';

/** A parsed YAML file: its plain value, and the document and line counter that locate a node for an error. */
export interface ParsedYaml {
  doc: Document;
  lineCounter: LineCounter;
  value: unknown;
}

// Aliases let a few lines expand to billions of nodes ("billion laughs"); a config or rules file needs few. The
// yaml package weighs each alias by the aliases inside what it points to.
const MAX_ALIAS_COUNT = 100;

/** Parses YAML text; bad syntax and alias bombs throw ConfigError naming `label` and, where known, the line. */
export function parseYaml(text: string, label: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    const line = syntaxError.linePos?.[0]?.line ?? lineCounter.linePos(syntaxError.pos[0]).line;
    throw new ConfigError(`${label}${line ? `:${line}` : ''}: invalid YAML: ${syntaxError.message.split('\n')[0]}`, {
      details: { file: label, ...(line ? { line } : {}) },
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    // The yaml package reports an alias bomb as a bare ReferenceError.
    throw new ConfigError(`${label}: invalid YAML: aliases expand too far (${(cause as Error).message})`, {
      cause,
      details: { file: label },
    });
  }
  return { doc, lineCounter, value };
}
