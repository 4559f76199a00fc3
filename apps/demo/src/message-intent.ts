/** What the scripted agent makes of a message; fixed patterns, no model. */
export type MessageIntent =
  | { kind: 'retain'; content: string; tags: string[] }
  | { kind: 'recall'; query: string }
  | { kind: 'reflect'; query: string }
  | { kind: 'forget'; query: string }
  | { kind: 'chat' };

// "don't forget" asks to remember, so the retain patterns are tried before forget.
const RETAIN =
  /^(?:please\s+)?(?:remember|note|keep in mind|don'?t forget|do not forget|store|save)\b[\s,:]*(?:that\s+)?(.+)$/is;
const FORGET = /^(?:please\s+)?forget\b[\s,:]*(?:that\s+|about\s+|what\s+)?(.+)$/is;
const REFLECT =
  /\b(?:what (?:do|did) you (?:know|remember)|what have you (?:got|learned|learnt)|tell me (?:everything|what you know)|summari[sz]e|reflect)\b/i;
const QUESTION_START =
  /^(?:what|what's|whats|who|whom|whose|where|when|which|why|how|do|does|did|is|are|am|can|could|was|were|have|has)\b/i;
const FIRST_PERSON_STATEMENT = /^(?:my|i|i'm|i am|i've|we|our)\b/i;
const PREFERENCE = /\b(?:favou?rite|prefer|prefers|like|likes|love|loves|hate|hates|enjoy)\b/i;

/** Reads the message the way the scripted agent does: remember, forget, reflect, a question (recall), or chat. */
export function classifyMessage(message: string): MessageIntent {
  const text = message.trim();
  const retain = RETAIN.exec(text);
  if (retain?.[1]) return retainIntent(retain[1]);
  const forget = FORGET.exec(text);
  if (forget?.[1]) return { kind: 'forget', query: stripEnd(forget[1]) };
  if (REFLECT.test(text)) return { kind: 'reflect', query: stripEnd(text) };
  if (text.endsWith('?') || QUESTION_START.test(text)) return { kind: 'recall', query: stripEnd(text) };
  if (FIRST_PERSON_STATEMENT.test(text) && text.length > 6) return retainIntent(text);
  return { kind: 'chat' };
}

function retainIntent(raw: string): MessageIntent {
  const content = upperFirst(stripEnd(raw));
  return { kind: 'retain', content, tags: PREFERENCE.test(content) ? ['preference'] : [] };
}

function stripEnd(text: string): string {
  return text.trim().replace(/[\s.!?]+$/, '');
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
