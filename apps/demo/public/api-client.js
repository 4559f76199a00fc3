// The page's calls to the demo server. Errors carry the server's message so the page can show it as is.

async function request(path, init) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  return body;
}

const bankPath = (bank) => `/api/banks/${encodeURIComponent(bank)}`;

export const api = {
  info: () => request('/api/info'),
  banks: () => request('/api/banks'),
  memories: (bank) => request(`${bankPath(bank)}/memories`),
  recall: (bank, query) => request(`${bankPath(bank)}/recall?q=${encodeURIComponent(query)}`),
  history: (bank, id) => request(`${bankPath(bank)}/memories/${encodeURIComponent(id)}/history`),
  forget: (bank, id) => request(`${bankPath(bank)}/memories/${encodeURIComponent(id)}`, { method: 'DELETE' }),
};

/** Runs one chat turn; `onEvent` sees each transcript event as the server streams it (server-sent events). */
export async function streamTurn(bank, message, onEvent, signal) {
  const response = await fetch(`${bankPath(bank)}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
    signal,
  });
  if (!response.ok || !response.body) {
    const body = await response.json().catch(() => null);
    throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) onEvent(JSON.parse(data));
      end = buffer.indexOf('\n\n');
    }
  }
}
