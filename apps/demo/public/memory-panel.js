import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api-client.js';
import { html } from './html.js';

const when = (iso) => new Date(iso).toLocaleString();

function History({ bank, id }) {
  const [versions, setVersions] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api.history(bank, id).then(
      (body) => setVersions(body.versions),
      (e) => setError(e.message),
    );
  }, [bank, id]);
  if (error) return html`<p class="error-text">${error}</p>`;
  if (!versions) return html`<p class="muted">Loading history…</p>`;
  return html`
    <ol class="history" data-testid="memory-history">
      ${versions.map(
        (v) => html`<li key=${v.version}>
          <span class="history-action">v${v.version} ${v.action}</span>
          <span class="muted">${when(v.at)}${v.actor ? ` · ${v.actor}` : ''}${v.reason ? ` · ${v.reason}` : ''}</span>
          ${v.text !== null && html`<div class="history-text">${v.text}</div>`}
        </li>`,
      )}
    </ol>
  `;
}

function MemoryItem({ bank, memory, onForget }) {
  const [showHistory, setShowHistory] = useState(false);
  const [forgetting, setForgetting] = useState(false);
  return html`
    <li class="memory" data-testid="memory-item" data-memory-id=${memory.id}>
      <div class="memory-text">
        ${memory.speaker && html`<span class="speaker" data-testid="memory-speaker" title="said in the chat">${memory.speaker}</span> `}${memory.text}
      </div>
      <div class="memory-meta">
        ${memory.score !== undefined && html`<span class="score" title="recall score">${memory.score.toFixed(2)}</span>`}
        ${memory.tags.map((tag) => html`<span class="tag" key=${tag}>${tag}</span>`)}
        <span class="muted">${when(memory.createdAt)}</span>
      </div>
      <div class="memory-actions">
        <button type="button" class="link" aria-expanded=${showHistory} onClick=${() => setShowHistory(!showHistory)}>
          ${showHistory ? 'Hide history' : 'History'}
        </button>
        <button
          type="button"
          class="danger"
          data-testid="forget-button"
          disabled=${forgetting}
          aria-label=${`Forget: ${memory.text}`}
          onClick=${async () => {
            setForgetting(true);
            await onForget(memory);
            setForgetting(false);
          }}
        >
          ${forgetting ? 'Forgetting…' : 'Forget'}
        </button>
      </div>
      ${showHistory && html`<${History} bank=${bank} id=${memory.id} />`}
    </li>
  `;
}

/** The bank's memories: all of them, or the recall results for a search, each with its history and a forget button. */
export function MemoryPanel({ bank, refreshKey, onChanged }) {
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const [memories, setMemories] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);

  const load = useCallback(async () => {
    try {
      const body = query ? await api.recall(bank, query) : await api.memories(bank);
      setMemories(query ? body.hits : body.memories);
      setError(null);
    } catch (e) {
      setError(e.message);
    }
  }, [bank, query]);

  useEffect(() => {
    load();
  }, [load, refreshKey]);

  useEffect(() => {
    setNotice(null);
  }, [bank]);

  const forget = async (memory) => {
    try {
      const result = await api.forget(bank, memory.id);
      // The list first, then the notice: set before the reload, the notice rendered while the forgotten memory was
      // still listed (a test reading the list on the notice failed CI once).
      await load();
      setNotice(
        result.deletedCount > 0
          ? `Forgotten: "${memory.text}". Its history keeps a tombstone without the content.`
          : `Not forgotten: ${result.skipped?.[0]?.reason ?? 'it was already gone'}`,
      );
      onChanged();
    } catch (e) {
      setError(e.message);
    }
  };

  return html`
    <aside class="panel memory-panel" aria-label="Memory bank" data-testid="memory-panel">
      <div class="panel-head">
        <h2>Memory</h2>
        <span class="hint">bank <code>${bank}</code>${memories && ` · ${memories.length} ${query ? 'found' : 'stored'}`}</span>
      </div>
      <form
        class="search"
        role="search"
        onSubmit=${(e) => {
          e.preventDefault();
          setQuery(draft.trim());
        }}
      >
        <input
          type="search"
          data-testid="memory-search"
          aria-label="Search memory (recall)"
          placeholder="Search with recall…"
          value=${draft}
          onInput=${(e) => {
            setDraft(e.currentTarget.value);
            if (!e.currentTarget.value) setQuery('');
          }}
        />
        <button type="submit">Recall</button>
      </form>
      ${
        query &&
        html`<p class="muted">Recall results for “${query}”, best first. <button type="button" class="link" onClick=${() => {
          setDraft('');
          setQuery('');
        }}>Show all</button></p>`
      }
      ${notice && html`<p class="notice" role="status" data-testid="memory-notice">${notice}</p>`}
      ${error && html`<p class="error-text" role="alert">${error}</p>`}
      ${
        memories &&
        (memories.length === 0
          ? html`<p class="empty" data-testid="memory-empty">
              ${query ? 'Nothing in this bank matches.' : 'No memories in this bank yet. Tell the agent something to remember.'}
            </p>`
          : html`<ul class="memories" data-testid="memory-list">
              ${memories.map((memory) => html`<${MemoryItem} key=${memory.id} bank=${bank} memory=${memory} onForget=${forget} />`)}
            </ul>`)
      }
    </aside>
  `;
}
