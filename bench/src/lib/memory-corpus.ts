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

/** One synthetic memory. */
export function memoryText(random: Random): string {
  return `${random.pick(PEOPLE)} ${random.pick(PREDICATES)} ${random.pick(OBJECTS)} ${random.pick(QUALIFIERS)}${random.pick(REASONS)}.`;
}

/** `count` distinct synthetic memories from `seed`. */
export function memoryCorpus(count: number, seed = 1): string[] {
  const random = new Random(seed);
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const text = memoryText(random);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  return out;
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
