import { Random } from './random.js';

// A grammar of agent-style memories. Its combinations run to tens of millions, so 100k draws are distinct without
// serial numbers, which would make keyword search unrealistically easy.
const PEOPLE = [
  'Alice',
  'Bruno',
  'Chen',
  'Dana',
  'Emeka',
  'Fatima',
  'Goran',
  'Hana',
  'Ines',
  'Jonas',
  'Kiri',
  'Lena',
  'Marco',
  'Nadia',
  'Omar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Viktor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
  'the customer',
  'the user',
  'our client',
  'the team lead',
  'the support agent',
  'the new hire',
];
const PREDICATES = [
  'prefers',
  'dislikes',
  'asked about',
  'is allergic to',
  'recommended',
  'complained about',
  'signed up for',
  'cancelled',
  'wants to learn about',
  'is planning',
  'booked',
  'returned',
  'forgot about',
  'ordered',
  'reviewed',
  'is migrating to',
  'upgraded to',
  'reported a bug in',
  'approved',
  'postponed',
  'paid for',
  'is researching',
  'shared notes on',
  'needs help with',
  'celebrated',
  'moved away from',
  'subscribed to',
  'rated highly',
];
const OBJECTS = [
  'window seats',
  'aisle seats',
  'vegetarian meals',
  'peanuts',
  'shellfish',
  'the premium plan',
  'the basic plan',
  'annual billing',
  'monthly invoices',
  'dark mode',
  'email digests',
  'push notifications',
  'the mobile app',
  'the desktop client',
  'Postgres',
  'SQLite',
  'Kubernetes',
  'the data export',
  'two-factor authentication',
  'the onboarding call',
  'a refund',
  'the quarterly report',
  'the design review',
  'hiking boots',
  'a standing desk',
  'noise-cancelling headphones',
  'espresso',
  'green tea',
  'oat milk',
  'gluten-free bread',
  'a yoga class',
  'Spanish lessons',
  'piano lessons',
  'a trip to Lisbon',
  'a trip to Kyoto',
  'a trip to Nairobi',
  'a weekend in Oslo',
  'the conference in Berlin',
  'the team offsite',
  'a hotel near the station',
  'late checkout',
  'early boarding',
  'the API rate limits',
  'webhook retries',
  'the audit log',
  'single sign-on',
  'the pricing page',
  'the beta program',
  'electric cars',
  'a road bike',
  'jazz concerts',
  'science fiction novels',
  'chess tournaments',
  'sourdough baking',
];
const QUALIFIERS = [
  'last Tuesday',
  'in March',
  'after the outage',
  'during the demo',
  'before the holidays',
  'every morning',
  'on weekends',
  'since last year',
  'for the third time',
  'without much detail',
  'with some urgency',
  'through the chat widget',
  'by email',
  'on the phone',
  'in the kickoff meeting',
  'at the airport',
  'while travelling',
  'for their family',
  'for the whole team',
  'on a tight budget',
  'as a surprise',
  'to save money',
  'to cut latency',
  'to meet the deadline',
  'because of a rash',
  'because reviews were good',
];
const REASONS = [
  '',
  '',
  '',
  ' and wants a follow-up next week',
  ' and mentioned it twice',
  ' but is not sure yet',
  ' and asked us to remember it',
  ' and found the docs confusing',
  ' and said it matters a lot',
  ' and compared it with a competitor',
  ' and will decide by Friday',
  ' and needs a receipt',
];

const PARTS = [PEOPLE, PREDICATES, OBJECTS, QUALIFIERS, REASONS];

/**
 * Distinct synthetic memories from a seed, drawn as they are needed, so that a benchmark's peak memory is the
 * store's and not that of a corpus held whole (100k texts held at once added about 80 MB of RSS).
 */
export class MemoryTexts {
  private readonly random: Random;
  // Each text drawn so far as one number, its word choices in mixed radix: a set of the strings would hold them all.
  private readonly seen = new Set<number>();

  constructor(seed: number) {
    this.random = new Random(seed);
  }

  /** The next `count` texts, none equal to one drawn before. */
  next(count: number): string[] {
    const out: string[] = [];
    while (out.length < count) {
      let key = 0;
      const words = PARTS.map((list) => {
        const word = this.random.pick(list);
        // indexOf, not the drawn index: a list may hold the same word twice (REASONS holds '' thrice).
        key = key * list.length + list.indexOf(word);
        return word;
      });
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      const [person, predicate, object, qualifier, reason] = words;
      out.push(`${person} ${predicate} ${object} ${qualifier}${reason}.`);
    }
    return out;
  }
}

/** `count` distinct synthetic memories from `seed`. */
export function memoryCorpus(count: number, seed = 1): string[] {
  return new MemoryTexts(seed).next(count);
}

const QUESTION_FORMS = [
  (p: string, o: string) => `what does ${p} think about ${o}`,
  (p: string, o: string) => `${p} and ${o}`,
  (_p: string, o: string) => `who asked about ${o}`,
  (p: string, _o: string) => `what did ${p} book or order recently`,
  (_p: string, o: string) => `anything about ${o}?`,
  (p: string, o: string) => `does ${p} like ${o}`,
];

/** `count` recall queries shaped like what an agent asks of memory, drawn from the corpus's vocabulary. */
export function queryCorpus(count: number, seed = 2): string[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => random.pick(QUESTION_FORMS)(random.pick(PEOPLE), random.pick(OBJECTS)));
}
