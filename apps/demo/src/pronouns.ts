const SWAPS: Record<string, string> = {
  i: 'you',
  "i'm": "you're",
  am: 'are',
  me: 'you',
  my: 'your',
  mine: 'yours',
  myself: 'yourself',
  "i've": "you've",
  "i'll": "you'll",
  "i'd": "you'd",
  we: 'you',
  our: 'your',
  ours: 'yours',
  us: 'you',
};

/** Rewrites a sentence the user wrote about themselves so the agent can say it back ("my" becomes "your"). */
export function firstPersonToSecond(text: string): string {
  return text.replace(/[A-Za-z']+/g, (word, offset: number) => {
    const swap = SWAPS[word.toLowerCase()];
    if (!swap) return word;
    // "I" is upper case anywhere, so the capital follows the sentence, not the word.
    return startsSentence(text, offset) ? swap.charAt(0).toUpperCase() + swap.slice(1) : swap;
  });
}

// Whether only spaces, after a sentence's end or the start of the text, come before `offset`. It looks back over the
// spaces alone: testing the whole text before each word took 36 s for a message of 600 kB.
function startsSentence(text: string, offset: number): boolean {
  let at = offset - 1;
  while (at >= 0 && /\s/.test(text.charAt(at))) at--;
  return at < 0 || '.!?'.includes(text.charAt(at));
}
