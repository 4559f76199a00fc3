import { html } from './html.js';

const VERBS = {
  memory_retain: 'retain',
  memory_recall: 'recall',
  memory_reflect: 'reflect',
  memory_forget: 'forget',
};

// Results are JSON for most tools and plain text for reflect. JSON is indented two levels deep and compact
// below that, so a recall hit stays on one (wrapped) line instead of filling the screen.
function pretty(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return layout(value, 0);
}

function layout(value, depth) {
  const pad = '  '.repeat(depth + 1);
  const close = '  '.repeat(depth);
  if (depth >= 2 || value === null || typeof value !== 'object')
    return JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ');
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => pad + layout(item, depth + 1)).join(',\n')}\n${close}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([key, item]) => `${pad}${JSON.stringify(key)}: ${layout(item, depth + 1)}`).join(',\n')}\n${close}}`;
}

/** One tool call in the transcript: its name, its input and, once it arrives, its result. */
export function ToolCall({ call }) {
  const verb = VERBS[call.name] ?? 'tool';
  const state = call.result === undefined ? 'running' : call.isError ? 'error' : 'done';
  return html`
    <div class="tool-call tool-${verb}" data-testid="tool-call" data-tool=${call.name} data-state=${state}>
      <div class="tool-head">
        <span class="tool-badge">${verb}</span>
        <code class="tool-name">${call.name}</code>
        <span class="tool-state">${state === 'running' ? 'running…' : state === 'error' ? 'error' : 'done'}</span>
      </div>
      <div class="tool-io">
        <div class="tool-label">input</div>
        <pre class="tool-input">${pretty(JSON.stringify(call.input ?? {}))}</pre>
        ${
          call.result !== undefined &&
          html`<div class="tool-label">result</div>
            <pre class="tool-result" data-testid="tool-result">${pretty(call.result)}</pre>`
        }
      </div>
    </div>
  `;
}
