import type { TranscriptEvent } from './transcript.js';

/** Writes a transcript to a terminal, one event at a time, in the same order the page shows it. */
export function terminalTranscript(write: (text: string) => void, color: boolean): (event: TranscriptEvent) => void {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  return (event) => {
    switch (event.type) {
      case 'user':
        write(`${paint('1;34', 'you   ')} ${event.text}\n`);
        return;
      case 'tool_call':
        write(`${paint('1;35', 'tool  ')} ${paint('35', event.name)} ${JSON.stringify(event.input)}\n`);
        return;
      case 'tool_result':
        write(`${paint(event.isError ? '1;31' : '2', '  ->  ')} ${indent(event.result)}\n`);
        return;
      case 'agent':
        write(`${paint('1;32', 'agent ')} ${indent(event.text)}\n`);
        return;
      case 'exchange_stored':
        write(
          `${paint('2', 'memory')} ${paint('2', `stored this exchange as ${turns(event.memoryIds.length)} of the chat session`)}\n`,
        );
        return;
      case 'done':
        return;
      case 'error':
        write(`${paint('1;31', 'error ')} ${event.message}\n`);
        return;
    }
  };
}

// Multi-line results (reflect's answer) line up under the first line.
function indent(text: string): string {
  return text.replace(/\n/g, '\n       ');
}

function turns(n: number): string {
  return `${n} conversation ${n === 1 ? 'turn' : 'turns'}`;
}
