import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, streamTurn } from './api-client.js';
import { applyEvent, ChatPanel } from './chat-panel.js';
import { html } from './html.js';
import { MemoryPanel } from './memory-panel.js';

const BANK_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$/;

function BankSwitcher({ bank, banks, onSwitch, disabled }) {
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState('');
  const ids = [...new Set([bank, ...banks.map((b) => b.bankId)])].sort();
  const counts = new Map(banks.map((b) => [b.bankId, b.memoryCount]));
  const valid = BANK_ID.test(draft.trim());
  if (adding) {
    return html`
      <form
        class="bank-switcher"
        onSubmit=${(e) => {
          e.preventDefault();
          if (!valid) return;
          onSwitch(draft.trim());
          setAdding(false);
          setDraft('');
        }}
      >
        <label for="new-bank">Bank</label>
        <input
          id="new-bank"
          aria-label="New bank id"
          placeholder="new bank id, e.g. alice"
          value=${draft}
          onInput=${(e) => setDraft(e.currentTarget.value)}
          aria-invalid=${draft !== '' && !valid}
        />
        <button type="submit" disabled=${!valid}>Open</button>
        <button type="button" class="link" onClick=${() => setAdding(false)}>Cancel</button>
      </form>
    `;
  }
  return html`
    <div class="bank-switcher">
      <label for="bank-select">Bank</label>
      <select id="bank-select" data-testid="bank-select" value=${bank} disabled=${disabled} onChange=${(e) => onSwitch(e.currentTarget.value)}>
        ${ids.map((id) => html`<option key=${id} value=${id}>${id} (${counts.get(id) ?? 0})</option>`)}
      </select>
      <button type="button" disabled=${disabled} onClick=${() => setAdding(true)}>New bank</button>
    </div>
  `;
}

function App() {
  const [info, setInfo] = useState(null);
  const [bank, setBank] = useState(null);
  const [banks, setBanks] = useState([]);
  const [turnsByBank, setTurnsByBank] = useState({});
  const [busy, setBusy] = useState(false);
  const [refreshKey, setRefreshKey] = useState(0);
  const [fatal, setFatal] = useState(null);

  const refresh = useCallback(() => {
    setRefreshKey((k) => k + 1);
    api.banks().then(
      (body) => setBanks(body.banks),
      () => {},
    );
  }, []);

  useEffect(() => {
    api.info().then(
      (body) => {
        setInfo(body);
        setBank(body.defaultBank);
      },
      (e) => setFatal(e.message),
    );
    api.banks().then(
      (body) => setBanks(body.banks),
      () => {},
    );
  }, []);

  const updateTurn = (bankId, turnId, change) =>
    setTurnsByBank((all) => ({
      ...all,
      [bankId]: (all[bankId] ?? []).map((turn) => (turn.id === turnId ? change(turn) : turn)),
    }));

  const send = async (message) => {
    const bankId = bank;
    const turnId = `${Date.now()}-${Math.random()}`;
    setTurnsByBank((all) => ({ ...all, [bankId]: [...(all[bankId] ?? []), { id: turnId, items: [], pending: true }] }));
    setBusy(true);
    try {
      await streamTurn(bankId, message, (event) => {
        updateTurn(bankId, turnId, (turn) => applyEvent(turn, event));
        // Retain and forget change the bank: refresh the panel as soon as their result arrives.
        if (event.type === 'tool_result' || event.type === 'done') refresh();
      });
    } catch (e) {
      updateTurn(bankId, turnId, (turn) => applyEvent(turn, { type: 'error', message: e.message }));
    } finally {
      updateTurn(bankId, turnId, (turn) => ({ ...turn, pending: false }));
      setBusy(false);
    }
  };

  if (fatal) return html`<p class="error-text" role="alert">The demo server did not answer: ${fatal}</p>`;
  if (!info || !bank) return html`<p class="loading">Loading the demo…</p>`;
  const offline = info.mode.kind === 'offline';
  return html`
    <header class="topbar">
      <div class="brand">
        <h1>Astrocyte</h1>
        <span class="tagline">an agent with long-term memory</span>
      </div>
      <span class=${`mode ${offline ? 'mode-offline' : 'mode-live'}`} data-testid="mode-label" title=${
        offline
          ? 'No model is involved: a script picks the memory tool from your message. Set ANTHROPIC_API_KEY for Claude.'
          : 'Claude on the Managed Agents API'
      }>${info.mode.label}</span>
      <${BankSwitcher} bank=${bank} banks=${banks} disabled=${busy} onSwitch=${setBank} />
      <span class="storage" title="where memories are stored">${info.storage}</span>
    </header>
    <main class="layout">
      <${ChatPanel} mode=${info.mode} turns=${turnsByBank[bank] ?? []} busy=${busy} onSend=${send} />
      <${MemoryPanel} bank=${bank} refreshKey=${refreshKey} onChanged=${refresh} />
    </main>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
