import { Random } from '../lib/random.js';
import type { LocomoQa, LocomoSample, LocomoTurn } from './locomo-format.js';

/** Options of the synthetic LoCoMo-format generator. */
export interface SyntheticLocomoOptions {
  conversations?: number;
  sessionsPerConversation?: number;
  /** Chit-chat turns per session around the facts; they are the distractors. */
  fillerTurnsPerSession?: number;
  seed?: number;
}

const NAMES = [
  'Caroline',
  'Melanie',
  'Jon',
  'Gina',
  'Audrey',
  'Andrew',
  'Tim',
  'John',
  'Maria',
  'Joanna',
  'Nate',
  'Evan',
  'Sam',
  'Calvin',
  'Dave',
  'Deborah',
  'Jolene',
  'James',
  'Lucas',
  'Priya',
];
const ANIMALS = ['puppy', 'kitten', 'parrot', 'rabbit', 'turtle', 'hamster'];
const PET_NAMES = ['Luna', 'Biscuit', 'Oscar', 'Pepper', 'Mochi', 'Ziggy', 'Hazel', 'Rocky'];
const CITIES = ['Lisbon', 'Denver', 'Osaka', 'Toronto', 'Nairobi', 'Edinburgh', 'Austin', 'Melbourne'];
const JOBS = ['nurse', 'carpenter', 'data analyst', 'chef', 'firefighter', 'pharmacist', 'architect', 'paramedic'];
const RELATIVES = ['brother', 'sister', 'cousin', 'uncle', 'aunt'];
const RELATIVE_NAMES = ['Ben', 'Clara', 'Theo', 'Nina', 'Ravi', 'Elsa', 'Marcus', 'Ivy'];
const RACES = ['half marathon', '10k charity run', 'triathlon', 'trail race', 'cycling sportive'];
const HOBBIES = [
  ['pottery', 'I signed up for a pottery class and made a lopsided bowl'],
  ['painting', 'I started painting landscapes with watercolors on Sunday mornings'],
  ['climbing', 'I joined a climbing gym and finally topped a hard route'],
  ['guitar', 'I bought a secondhand guitar and I am learning chords every night'],
  ['baking', 'I have been baking sourdough bread and my starter is alive'],
  ['gardening', 'I planted tomatoes and basil in a community garden plot'],
] as const;
const CAUSES = [
  ['animal shelter', 'animals'],
  ['food bank', 'fighting hunger'],
  ['youth soccer league', 'coaching kids'],
  ['literacy program', 'teaching reading'],
  ['LGBTQ support group', 'supporting LGBTQ people'],
] as const;
const BOOKS = ['Dune', 'Little Women', 'The Hobbit', 'Beloved', 'Circe', 'Educated'];

// Turns that carry no fact but share the facts' vocabulary (family, animals, cities, hobbies, work), as real
// conversations do: they are what a retriever must rank below the evidence.
const FILLERS = [
  'Hey! How have you been? It feels like ages since we last talked.',
  'That sounds amazing, I am so happy for you!',
  'Haha, that is so true. Family always keeps things interesting.',
  'Work has been busy, but I am trying to make time for the things I love.',
  'I saw a cute dog at the park today and it made my whole day.',
  'The weather has been lovely, we spent most of the weekend outside.',
  'I have been thinking about travelling somewhere new this year, maybe a city by the sea.',
  'Thanks for asking! Things are slowly getting better.',
  'My family came over for dinner and we talked for hours.',
  'I need a new hobby, something creative to do in the evenings.',
  'Did you watch the game last night? It was wild.',
  'I am reading a book about habits and it is surprisingly useful.',
  'My job keeps me on my toes, but the team is great.',
  'We should catch up in person soon, maybe grab a coffee.',
  'That reminds me of the time we got lost on a road trip.',
  'I love hearing about your adventures, keep them coming!',
  'Honestly I am just trying to rest and recharge this week.',
  'Animals really do make everything better, do not they?',
  'I cooked a new recipe tonight and it turned out pretty well.',
  'It is important to have people around who support you.',
  'Running in the morning clears my head before work.',
  'I visited my parents last weekend; their garden looks beautiful.',
  'Moving is so stressful, I hope I never have to pack boxes again.',
  'Volunteering is such a good way to meet people.',
  'I got a message from an old friend from school today.',
  'Music has been my therapy lately, I listen to it all day.',
];

const OPENERS = ['', '', 'Oh, ', 'Honestly, ', 'Ha, ', 'Well, ', 'You know what? ', 'So, ', 'Yeah, '];
const CLOSERS = [
  '',
  '',
  ' What about you?',
  ' Anyway, how is your week going?',
  ' :)',
  ' Talk soon!',
  ' Crazy, right?',
];

interface Fact {
  turns: { speaker: 'a' | 'b'; text: string }[];
  /** Questions about this fact; `session` offsets refer to the turns' session. */
  questions: { question: string; answer: string; category: number; evidence: number[] }[];
  /** The second turn of a two-turn fact is told in a later session. */
  split?: boolean;
}

function facts(random: Random, a: string, b: string): Fact[] {
  const [relative] = random.sample(RELATIVES, 1) as [string];
  const [relName] = random.sample(RELATIVE_NAMES, 1) as [string];
  const city = random.pick(CITIES);
  const job = random.pick(JOBS);
  const animal = random.pick(ANIMALS);
  const petName = random.pick(PET_NAMES);
  const race = random.pick(RACES);
  const [hobby, hobbyLine] = random.pick(HOBBIES);
  const [cause, causeTopic] = random.pick(CAUSES);
  const book = random.pick(BOOKS);
  const otherCity = random.pick(CITIES.filter((c) => c !== city));
  return [
    {
      turns: [{ speaker: 'a', text: `Big news: we adopted a ${animal} from the shelter and named it ${petName}!` }],
      questions: [
        { question: `What is the name of ${a}'s ${animal}?`, answer: petName, category: 4, evidence: [0] },
        { question: `When did ${a} adopt a pet?`, answer: 'the week before this session', category: 2, evidence: [0] },
      ],
    },
    {
      turns: [
        { speaker: 'b', text: `My ${relative} ${relName} just moved to ${city} for a fresh start.` },
        { speaker: 'b', text: `${relName} got hired as a ${job} at the hospital there, we are all so proud.` },
      ],
      split: true,
      questions: [
        { question: `Where did ${b}'s ${relative} move to?`, answer: city, category: 4, evidence: [0] },
        {
          question: `What job does ${b}'s ${relative} have in ${city}?`,
          answer: job,
          category: 1,
          evidence: [0, 1],
        },
      ],
    },
    {
      turns: [{ speaker: 'a', text: `I finished my first ${race} yesterday, my legs are still sore!` }],
      questions: [
        {
          question: `When did ${a} run the ${race}?`,
          answer: 'the day before this session',
          category: 2,
          evidence: [0],
        },
      ],
    },
    {
      turns: [{ speaker: 'b', text: `${hobbyLine}.` }],
      questions: [{ question: `What creative hobby did ${b} pick up?`, answer: hobby, category: 4, evidence: [0] }],
    },
    {
      turns: [{ speaker: 'a', text: `I have been volunteering at the ${cause} every Saturday, it means a lot to me.` }],
      questions: [
        {
          question: `Would ${a} be likely to pursue a career related to ${causeTopic}?`,
          answer: 'likely yes',
          category: 3,
          evidence: [0],
        },
        { question: `Where does ${a} volunteer on Saturdays?`, answer: cause, category: 4, evidence: [0] },
      ],
    },
    {
      turns: [
        { speaker: 'b', text: `We booked a trip to ${otherCity} next spring to see the old town.` },
        { speaker: 'b', text: `The trip got cancelled because of work, so we are staying home instead.` },
      ],
      split: true,
      questions: [
        {
          question: `Did ${b} end up going to ${otherCity}?`,
          answer: 'no, the trip was cancelled',
          category: 1,
          evidence: [0, 1],
        },
      ],
    },
    {
      turns: [{ speaker: 'a', text: `I just finished reading ${book} and could not put it down.` }],
      questions: [
        { question: `Which book did ${a} read recently?`, answer: book, category: 4, evidence: [0] },
        {
          question: `What kind of things does ${a} enjoy in free time?`,
          answer: 'reading',
          category: 3,
          evidence: [0],
        },
      ],
    },
  ];
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function formatDate(date: Date): string {
  const h = date.getUTCHours();
  const m = String(date.getUTCMinutes()).padStart(2, '0');
  return `${h % 12 || 12}:${m} ${h < 12 ? 'am' : 'pm'} on ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}, ${date.getUTCFullYear()}`;
}

/**
 * Generates conversations in the LoCoMo release's format (session_N turn lists with dia_ids, session_N_date_time,
 * qa with evidence dia_ids and categories 1 to 4), deterministic for a seed. Facts are told once amid chit-chat that
 * shares their vocabulary; two-turn facts are split across sessions, so multi-hop questions need both.
 */
export function syntheticLocomo(options: SyntheticLocomoOptions = {}): LocomoSample[] {
  const random = new Random(options.seed ?? 42);
  const conversations = options.conversations ?? 10;
  const sessionCount = Math.max(3, options.sessionsPerConversation ?? 6);
  const fillerCount = options.fillerTurnsPerSession ?? 14;
  return Array.from({ length: conversations }, (_, c) => {
    const [a, b] = random.sample(NAMES, 2) as [string, string];
    const conversation: Record<string, unknown> = { speaker_a: a, speaker_b: b };
    // Each turn of each fact is placed in a session; the second turn of a split fact comes later.
    const placed = new Map<number, { fact: number; turn: number }[]>();
    const all = facts(random, a, b);
    all.forEach((fact, f) => {
      const first = random.int(fact.split ? sessionCount - 1 : sessionCount);
      fact.turns.forEach((_, t) => {
        const session = t === 0 ? first : first + 1 + random.int(sessionCount - first - 1);
        placed.set(session, [...(placed.get(session) ?? []), { fact: f, turn: t }]);
      });
    });
    const diaIds = new Map<string, string>();
    let date = new Date(Date.UTC(2023, random.int(12), 1 + random.int(27), 9 + random.int(10), random.int(60)));
    for (let s = 0; s < sessionCount; s++) {
      const turns: LocomoTurn[] = [];
      const fillers = random.sample(FILLERS, Math.min(fillerCount, FILLERS.length));
      const factTurns = placed.get(s) ?? [];
      const slots = fillers.length + factTurns.length;
      const factPositions = new Set(random.sample([...Array(slots).keys()], factTurns.length));
      let nextFact = 0;
      let nextFiller = 0;
      for (let i = 0; i < slots; i++) {
        const diaId = `D${s + 1}:${i + 1}`;
        if (factPositions.has(i)) {
          const ref = factTurns[nextFact++] as { fact: number; turn: number };
          const turn = (all[ref.fact] as Fact).turns[ref.turn] as { speaker: 'a' | 'b'; text: string };
          turns.push({ speaker: turn.speaker === 'a' ? a : b, dia_id: diaId, text: turn.text });
          diaIds.set(`${ref.fact}:${ref.turn}`, diaId);
        } else {
          const text = `${random.pick(OPENERS)}${fillers[nextFiller++]}${random.pick(CLOSERS)}`;
          turns.push({ speaker: i % 2 === 0 ? a : b, dia_id: diaId, text });
        }
      }
      conversation[`session_${s + 1}_date_time`] = formatDate(date);
      conversation[`session_${s + 1}`] = turns;
      date = new Date(date.getTime() + (7 + random.int(21)) * 86_400_000 + random.int(600) * 60_000);
    }
    const qa: LocomoQa[] = all.flatMap((fact, f) =>
      fact.questions.map((q) => ({
        question: q.question,
        answer: q.answer,
        evidence: q.evidence.map((t) => diaIds.get(`${f}:${t}`) as string),
        category: q.category,
      })),
    );
    return { sample_id: `synthetic-${c + 1}`, conversation, qa };
  });
}
