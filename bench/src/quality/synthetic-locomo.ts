import type { LocomoSample } from './locomo-format.js';
import {
  generateSyntheticLocomo,
  type QuestionWriter,
  type SyntheticLocomoOptions,
} from './synthetic-conversations.js';

// Questions in the words of the turns that answer them: a set a keyword search does well on.
const askInTheirWords: QuestionWriter = (v) => ({
  pet: [
    { question: `What is the name of ${v.a}'s ${v.animal}?`, answer: v.petName, category: 4, evidence: [0] },
    { question: `When did ${v.a} adopt a pet?`, answer: 'the week before this session', category: 2, evidence: [0] },
  ],
  relative: [
    { question: `Where did ${v.b}'s ${v.relative} move to?`, answer: v.city, category: 4, evidence: [0] },
    {
      question: `What job does ${v.b}'s ${v.relative} have in ${v.city}?`,
      answer: v.job,
      category: 1,
      evidence: [0, 1],
    },
  ],
  race: [
    {
      question: `When did ${v.a} run the ${v.race}?`,
      answer: 'the day before this session',
      category: 2,
      evidence: [0],
    },
  ],
  hobby: [{ question: `What creative hobby did ${v.b} pick up?`, answer: v.hobby, category: 4, evidence: [0] }],
  volunteering: [
    {
      question: `Would ${v.a} be likely to pursue a career related to ${v.causeTopic}?`,
      answer: 'likely yes',
      category: 3,
      evidence: [0],
    },
    { question: `Where does ${v.a} volunteer on Saturdays?`, answer: v.cause, category: 4, evidence: [0] },
  ],
  trip: [
    {
      question: `Did ${v.b} end up going to ${v.otherCity}?`,
      answer: 'no, the trip was cancelled',
      category: 1,
      evidence: [0, 1],
    },
  ],
  book: [
    { question: `Which book did ${v.a} read recently?`, answer: v.book, category: 4, evidence: [0] },
    {
      question: `What kind of things does ${v.a} enjoy in free time?`,
      answer: 'reading',
      category: 3,
      evidence: [0],
    },
  ],
});

/**
 * The synthetic LoCoMo-format set (see `generateSyntheticLocomo`), its questions worded like the turns that answer
 * them. Its output for a seed never changes: its numbers are the baseline later runs compare against.
 */
export function syntheticLocomo(options: SyntheticLocomoOptions = {}): LocomoSample[] {
  return generateSyntheticLocomo(options, askInTheirWords, 'synthetic');
}
