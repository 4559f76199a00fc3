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
    const startsSentence = /^\s*$|[.!?]\s*$/.test(text.slice(0, offset));
    return startsSentence ? swap.charAt(0).toUpperCase() + swap.slice(1) : swap;
  });
}
