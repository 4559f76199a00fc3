import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { ToolCall } from './tool-call.js';

const SUGGESTIONS = [
  'Remember that my favourite colour is green',
  'What is my favourite colour?',
  'What do you know about me?',
  'Forget my favourite colour',
];

/** Applies one streamed transcript event to a turn, pairing tool results with their calls. */
export function applyEvent(turn, event) {
  switch (event.type) {
    case 'user':
      return { ...turn, items: [...turn.items, { kind: 'user', text: event.text }] };
    case 'tool_call':
      return {
        ...turn,
        items: [...turn.items, { kind: 'tool', call: { id: event.id, name: event.name, input: event.input } }],
      };
    case 'tool_result':
      return {
        ...turn,
        items: turn.items.map((item) =>
          item.kind === 'tool' && item.call.id === event.id
            ? { ...item, call: { ...item.call, result: event.result, isError: event.isError } }
            : item,
        ),
      };
    case 'agent':
      return { ...turn, items: [...turn.items, { kind: 'agent', text: event.text }] };
    case 'exchange_stored':
      return { ...turn, items: [...turn.items, { kind: 'exchange', count: event.memoryIds.length }] };
    case 'done':
      return { ...turn, pending: false };
    case 'error':
      return { ...turn, pending: false, items: [...turn.items, { kind: 'error', text: event.message }] };
    default:
      return turn;
  }
}

function TranscriptItem({ item }) {
  switch (item.kind) {
    case 'user':
      return html`<div class="bubble bubble-user" data-testid="user-message">${item.text}</div>`;
    case 'agent':
      return html`<div class="bubble bubble-agent" data-testid="agent-message">${item.text}</div>`;
    case 'tool':
      return html`<${ToolCall} call=${item.call} />`;
    case 'exchange':
      return html`<div class="exchange-note" data-testid="exchange-stored">
        ${`The app stored this exchange in memory as ${item.count} conversation ${item.count === 1 ? 'turn' : 'turns'} `}
        (<code>retainConversation</code>, one session per chat).
      </div>`;
    default:
      return html`<div class="bubble bubble-error" role="alert" data-testid="turn-error">${item.text}</div>`;
  }
}

/** The chat: the live transcript of every turn, suggestions for a first try, and the message box. */
export function ChatPanel({ mode, turns, busy, onSend }) {
  const [draft, setDraft] = useState('');
  const transcript = useRef(null);
  // Follow the newest event by scrolling the transcript itself, never the whole page (it would jump on a phone).
  useEffect(() => {
    const box = transcript.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [turns]);

  const submit = (event) => {
    event.preventDefault();
    const message = draft.trim();
    if (!message || busy) return;
    setDraft('');
    onSend(message);
  };

  return html`
    <section class="panel chat" aria-label="Chat with the agent">
      <div class="panel-head">
        <h2>Chat</h2>
        <span class="hint">Each memory tool call appears as it happens.</span>
      </div>
      <div class="transcript" ref=${transcript} data-testid="transcript" aria-live="polite">
        ${
          turns.length === 0 &&
          html`<div class="empty">
            <p>
              ${
                mode?.kind === 'offline'
                  ? 'This agent is scripted: it reads your message with a few fixed patterns and calls the memory tools. Set ANTHROPIC_API_KEY to talk to Claude instead.'
                  : 'Talk to the agent; it stores and looks up memories with its tools.'
              }
            </p>
            <p>Start with the suggestions below the chat.</p>
          </div>`
        }
        ${turns.map(
          (turn) => html`
            <div class="turn" key=${turn.id} data-testid="turn" data-pending=${turn.pending ? 'true' : 'false'}>
              ${turn.items.map((item, i) => html`<${TranscriptItem} key=${i} item=${item} />`)}
              ${turn.pending && html`<div class="thinking">agent is working…</div>`}
            </div>
          `,
        )}
      </div>
      <div class="suggestions">
        ${SUGGESTIONS.map(
          (text) =>
            html`<button type="button" class="chip" disabled=${busy} onClick=${() => onSend(text)}>${text}</button>`,
        )}
      </div>
      <form class="composer" onSubmit=${submit}>
        <input
          type="text"
          data-testid="chat-input"
          aria-label="Message to the agent"
          placeholder="Message the agent…"
          value=${draft}
          onInput=${(e) => setDraft(e.currentTarget.value)}
          autocomplete="off"
        />
        <button type="submit" class="primary" data-testid="send-button" disabled=${busy || !draft.trim()}>
          ${busy ? 'Working…' : 'Send'}
        </button>
      </form>
    </section>
  `;
}
