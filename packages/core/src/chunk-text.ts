/**
 * Splits a text longer than `size` characters into pieces of at most `size`, cutting at the last paragraph break,
 * else line break, else sentence end, else space in the second half of each piece, so that a piece keeps whole
 * thoughts; a text without any is cut at `size`. The pieces joined back are the text, whitespace at cuts aside.
 */
export function chunkText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > size) {
    const window = rest.slice(0, size);
    const cut = bestCut(window, Math.floor(size / 2));
    pieces.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

// The end of the last boundary of the strongest kind after `floor`, or the window's length when there is none.
function bestCut(window: string, floor: number): number {
  for (const boundary of [/\n\s*\n/g, /\n/g, /[.!?。！？]\s/g, /\s/g]) {
    let cut = -1;
    for (const match of window.matchAll(boundary)) {
      const end = (match.index as number) + match[0].length;
      if (end > floor) cut = end;
    }
    if (cut > 0) return cut;
  }
  // Never between the two halves of a surrogate pair.
  return /[\uD800-\uDBFF]$/.test(window) ? window.length - 1 : window.length;
}
