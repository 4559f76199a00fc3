/** A printable cell: numbers are formatted by the column's digits, strings printed as they are. */
export type Cell = string | number | null | undefined;

/** A column of a printed table. */
export interface Column {
  header: string;
  /** Decimal places for numbers; default 2. */
  digits?: number;
  /** Right-aligned by default for numbers; `left` for labels. */
  align?: 'left' | 'right';
}

/** Formats a number with thousands separators and fixed decimals; NaN and null print as "-". */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatCell(cell: Cell, column: Column): string {
  if (typeof cell === 'number') return formatNumber(cell, column.digits ?? 2);
  return cell === null || cell === undefined ? '-' : cell;
}

/** Renders rows as a GitHub-flavoured Markdown table, which reads well in a terminal and pastes into the docs. */
export function renderTable(columns: Column[], rows: Cell[][]): string {
  const text = rows.map((row) => columns.map((column, i) => formatCell(row[i], column)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...text.map((row) => (row[i] ?? '').length)),
  );
  const pad = (value: string, i: number) => {
    const column = columns[i] as Column;
    const width = widths[i] as number;
    return (column.align ?? (i === 0 ? 'left' : 'right')) === 'left' ? value.padEnd(width) : value.padStart(width);
  };
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${columns
    .map((column, i) => {
      const dashes = '-'.repeat((widths[i] as number) + 2);
      return (column.align ?? (i === 0 ? 'left' : 'right')) === 'left' ? dashes : `${dashes.slice(1)}:`;
    })
    .join('|')}|`;
  return [line(columns.map((c) => c.header)), rule, ...text.map(line)].join('\n');
}

/** Prints a titled table to stdout. */
export function printTable(title: string, columns: Column[], rows: Cell[][]): void {
  process.stdout.write(`\n### ${title}\n\n${renderTable(columns, rows)}\n`);
}
