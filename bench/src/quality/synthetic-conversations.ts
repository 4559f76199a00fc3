import { Random } from '../lib/random.js';
import type { LocomoQa, LocomoSample, LocomoTurn } from './locomo-format.js';

/** Options of the synthetic LoCoMo-format generators. */
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
const ANIMALS = ['puppy', 'kitten', 'parrot', 'rabbit', 'turtle', 'hamster'] as const;
const PET_NAMES = ['Luna', 'Biscuit', 'Oscar', 'Pepper', 'Mochi', 'Ziggy', 'Hazel', 'Rocky'];
const CITIES = ['Lisbon', 'Denver', 'Osaka', 'Toronto', 'Nairobi', 'Edinburgh', 'Austin', 'Melbourne'];
const JOBS = ['nurse', 'carpenter', 'data analyst', 'chef', 'firefighter', 'pharmacist', 'architect', 'paramedic'];
const RELATIVES = ['brother', 'sister', 'cousin', 'uncle', 'aunt'] as const;
const RELATIVE_NAMES = ['Ben', 'Clara', 'Theo', 'Nina', 'Ravi', 'Elsa', 'Marcus', 'Ivy'];
const RACES = ['half marathon', '10k charity run', 'triathlon', 'trail race', 'cycling sportive'] as const;
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

export type Animal = (typeof ANIMALS)[number];
export type Relative = (typeof RELATIVES)[number];
export type Race = (typeof RACES)[number];
export type Hobby = (typeof HOBBIES)[number][0];
export type Cause = (typeof CAUSES)[number][0];

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

/** The facts of one conversation: its two speakers (a and b) and what each story is about. */
export interface FactValues {
  a: string;
  b: string;
  relative: Relative;
  relName: string;
  city: string;
  job: string;
  animal: Animal;
  petName: string;
  race: Race;
  hobby: Hobby;
  /** The turn that tells the hobby. */
  hobbyLine: string;
  cause: Cause;
  causeTopic: string;
  book: string;
  otherCity: string;
}

/** A question about one story; `evidence` indexes the story's turns. */
export interface StoryQuestion {
  question: string;
  answer: string;
  category: number;
  evidence: number[];
}

/** The stories every synthetic conversation tells, each once, amid chit-chat. */
export type StoryName = 'pet' | 'relative' | 'race' | 'hobby' | 'volunteering' | 'trip' | 'book';

/** What a generator asks about each story of a conversation; the conversations themselves are shared. */
export type QuestionWriter = (values: FactValues) => Record<StoryName, StoryQuestion[]>;

interface Story {
  name: StoryName;
  turns: { speaker: 'a' | 'b'; text: string }[];
  /** The second turn of a two-turn story is told in a later session. */
  split?: boolean;
}

// The draws keep their original order, so that a seed gives the same conversations as it always has.
function drawValues(random: Random, a: string, b: string): FactValues {
  const [relative] = random.sample(RELATIVES, 1) as [Relative];
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
  return {
    a,
    b,
    relative,
    relName,
    city,
    job,
    animal,
    petName,
    race,
    hobby,
    hobbyLine,
    cause,
    causeTopic,
    book,
    otherCity,
  };
}

function stories(v: FactValues): Story[] {
  return [
    {
      name: 'pet',
      turns: [{ speaker: 'a', text: `Big news: we adopted a ${v.animal} from the shelter and named it ${v.petName}!` }],
    },
    {
      name: 'relative',
      turns: [
        { speaker: 'b', text: `My ${v.relative} ${v.relName} just moved to ${v.city} for a fresh start.` },
        { speaker: 'b', text: `${v.relName} got hired as a ${v.job} at the hospital there, we are all so proud.` },
      ],
      split: true,
    },
    {
      name: 'race',
      turns: [{ speaker: 'a', text: `I finished my first ${v.race} yesterday, my legs are still sore!` }],
    },
    { name: 'hobby', turns: [{ speaker: 'b', text: `${v.hobbyLine}.` }] },
    {
      name: 'volunteering',
      turns: [
        { speaker: 'a', text: `I have been volunteering at the ${v.cause} every Saturday, it means a lot to me.` },
      ],
    },
    {
      name: 'trip',
      turns: [
        { speaker: 'b', text: `We booked a trip to ${v.otherCity} next spring to see the old town.` },
        { speaker: 'b', text: `The trip got cancelled because of work, so we are staying home instead.` },
      ],
      split: true,
    },
    { name: 'book', turns: [{ speaker: 'a', text: `I just finished reading ${v.book} and could not put it down.` }] },
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
 * qa with evidence dia_ids and categories 1 to 4), deterministic for a seed, with the questions `ask` writes. Each
 * story is told once amid chit-chat that shares its vocabulary; two-turn stories are split across sessions, so
 * multi-hop questions need both. Questions draw no randomness: one seed gives the same conversations to every
 * generator.
 */
export function generateSyntheticLocomo(
  options: SyntheticLocomoOptions,
  ask: QuestionWriter,
  sampleIdPrefix: string,
): LocomoSample[] {
  const random = new Random(options.seed ?? 42);
  const conversations = options.conversations ?? 10;
  const sessionCount = Math.max(3, options.sessionsPerConversation ?? 6);
  const fillerCount = options.fillerTurnsPerSession ?? 14;
  return Array.from({ length: conversations }, (_, c) => {
    const [a, b] = random.sample(NAMES, 2) as [string, string];
    const conversation: Record<string, unknown> = { speaker_a: a, speaker_b: b };
    // Each turn of each story is placed in a session; the second turn of a split story comes later.
    const placed = new Map<number, { story: number; turn: number }[]>();
    const values = drawValues(random, a, b);
    const all = stories(values);
    all.forEach((story, f) => {
      const first = random.int(story.split ? sessionCount - 1 : sessionCount);
      story.turns.forEach((_, t) => {
        const session = t === 0 ? first : first + 1 + random.int(sessionCount - first - 1);
        placed.set(session, [...(placed.get(session) ?? []), { story: f, turn: t }]);
      });
    });
    const diaIds = new Map<string, string>();
    let date = new Date(Date.UTC(2023, random.int(12), 1 + random.int(27), 9 + random.int(10), random.int(60)));
    for (let s = 0; s < sessionCount; s++) {
      const turns: LocomoTurn[] = [];
      const fillers = random.sample(FILLERS, Math.min(fillerCount, FILLERS.length));
      const storyTurns = placed.get(s) ?? [];
      const slots = fillers.length + storyTurns.length;
      const storyPositions = new Set(random.sample([...Array(slots).keys()], storyTurns.length));
      let nextStory = 0;
      let nextFiller = 0;
      for (let i = 0; i < slots; i++) {
        const diaId = `D${s + 1}:${i + 1}`;
        if (storyPositions.has(i)) {
          const ref = storyTurns[nextStory++] as { story: number; turn: number };
          const turn = (all[ref.story] as Story).turns[ref.turn] as Story['turns'][number];
          turns.push({ speaker: turn.speaker === 'a' ? a : b, dia_id: diaId, text: turn.text });
          diaIds.set(`${ref.story}:${ref.turn}`, diaId);
        } else {
          const text = `${random.pick(OPENERS)}${fillers[nextFiller++]}${random.pick(CLOSERS)}`;
          turns.push({ speaker: i % 2 === 0 ? a : b, dia_id: diaId, text });
        }
      }
      conversation[`session_${s + 1}_date_time`] = formatDate(date);
      conversation[`session_${s + 1}`] = turns;
      date = new Date(date.getTime() + (7 + random.int(21)) * 86_400_000 + random.int(600) * 60_000);
    }
    const questions = ask(values);
    const qa: LocomoQa[] = all.flatMap((story, f) =>
      questions[story.name].map((q) => ({
        question: q.question,
        answer: q.answer,
        evidence: q.evidence.map((t) => diaIds.get(`${f}:${t}`) as string),
        category: q.category,
      })),
    );
    return { sample_id: `${sampleIdPrefix}-${c + 1}`, conversation, qa };
  });
}
