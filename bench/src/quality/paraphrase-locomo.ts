import type { LocomoSample } from './locomo-format.js';
import {
  type Animal,
  type Cause,
  generateSyntheticLocomo,
  type Hobby,
  type QuestionWriter,
  type Race,
  type Relative,
  type SyntheticLocomoOptions,
} from './synthetic-conversations.js';

// Each fact in other words: no word of these shares a root with the turn that tells the fact.
const ANIMAL: Record<Animal, string> = {
  puppy: 'young dog',
  kitten: 'young cat',
  parrot: 'talking bird',
  rabbit: 'bunny',
  turtle: 'shelled reptile',
  hamster: 'little rodent',
};
const KIN: Record<Relative, string> = {
  brother: 'male sibling',
  sister: 'female sibling',
  cousin: "aunt's child",
  uncle: "parent's brother",
  aunt: "parent's sister",
};
const RACE: Record<Race, string> = {
  'half marathon': 'a 21-kilometre road run',
  '10k charity run': 'a ten-kilometre fundraising race',
  triathlon: 'a swim, bike and run event',
  'trail race': 'an off-road running competition',
  'cycling sportive': 'a long-distance bike ride',
};
const HOBBY: Record<Hobby, string> = {
  pottery: 'shaping clay',
  painting: 'depicting scenery with a brush',
  climbing: 'scaling indoor walls',
  guitar: 'a six-stringed instrument',
  baking: 'making loaves in the oven',
  gardening: 'growing vegetables and herbs',
};
const CAUSE_WORK: Record<Cause, string> = {
  'animal shelter': 'caring for creatures',
  'food bank': 'feeding people in need',
  'youth soccer league': 'training young athletes',
  'literacy program': 'helping people learn to read',
  'LGBTQ support group': 'helping queer and trans people',
};

// The same questions as the synthetic set's, same categories and evidence, asked in other words.
const askInOtherWords: QuestionWriter = (v) => ({
  pet: [
    {
      question: `What does ${v.a} call the ${ANIMAL[v.animal]} that came to live with them?`,
      answer: v.petName,
      category: 4,
      evidence: [0],
    },
    {
      question: `When did ${v.a} give a rescued animal a home?`,
      answer: 'the week before this session',
      category: 2,
      evidence: [0],
    },
  ],
  relative: [
    { question: `Which city did ${v.b}'s ${KIN[v.relative]} relocate to?`, answer: v.city, category: 4, evidence: [0] },
    {
      question: `What does ${v.b}'s ${KIN[v.relative]} do for a living since relocating?`,
      answer: v.job,
      category: 1,
      evidence: [0, 1],
    },
  ],
  race: [
    {
      question: `When did ${v.a} complete ${RACE[v.race]}?`,
      answer: 'the day before this session',
      category: 2,
      evidence: [0],
    },
  ],
  hobby: [
    {
      question: `What pastime involving ${HOBBY[v.hobby]} has ${v.b} taken up?`,
      answer: v.hobby,
      category: 4,
      evidence: [0],
    },
  ],
  volunteering: [
    {
      question: `Might ${v.a} choose a profession ${CAUSE_WORK[v.cause]}?`,
      answer: 'likely yes',
      category: 3,
      evidence: [0],
    },
    { question: `Where does ${v.a} give unpaid help at weekends?`, answer: v.cause, category: 4, evidence: [0] },
  ],
  trip: [
    {
      question: `Did the holiday ${v.b} planned for the coming year actually happen?`,
      answer: 'no, the trip was cancelled',
      category: 1,
      evidence: [0, 1],
    },
  ],
  book: [
    {
      question: `What did ${v.a} devour from cover to cover lately?`,
      answer: v.book,
      category: 4,
      evidence: [0],
    },
    { question: `How does ${v.a} like to unwind?`, answer: 'reading', category: 3, evidence: [0] },
  ],
});

/**
 * The paraphrase set: the synthetic set's conversations (the same for a seed) with its questions asked in other
 * words (synonyms, other constructions), sharing no word root with their evidence beyond the speakers' names. What a
 * retriever finds here it found by meaning, not by the question's words.
 */
export function paraphraseLocomo(options: SyntheticLocomoOptions = {}): LocomoSample[] {
  return generateSyntheticLocomo(options, askInOtherWords, 'paraphrase');
}
