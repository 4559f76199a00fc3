import { describe, expect, it } from 'vitest';
import { classifyMessage } from './message-intent.js';
import { firstPersonToSecond } from './pronouns.js';

describe('classifyMessage', () => {
  it.each([
    [
      'Remember that my favourite colour is green',
      { kind: 'retain', content: 'My favourite colour is green', tags: ['preference'] },
    ],
    ['please note: the office moved to Leeds.', { kind: 'retain', content: 'The office moved to Leeds', tags: [] }],
    ["Don't forget I'm allergic to nuts", { kind: 'retain', content: "I'm allergic to nuts", tags: [] }],
    ['My dog is called Rex', { kind: 'retain', content: 'My dog is called Rex', tags: [] }],
    ['Forget my favourite colour', { kind: 'forget', query: 'my favourite colour' }],
    ['forget about the office!', { kind: 'forget', query: 'the office' }],
    ['What do you know about me?', { kind: 'reflect', query: 'What do you know about me' }],
    ['Summarise my preferences', { kind: 'reflect', query: 'Summarise my preferences' }],
    ['What is my favourite colour?', { kind: 'recall', query: 'What is my favourite colour' }],
    ['where does Rex sleep', { kind: 'recall', query: 'where does Rex sleep' }],
    ['hello there', { kind: 'chat' }],
  ])('%s', (message, intent) => {
    expect(classifyMessage(message)).toEqual(intent);
  });
});

describe('firstPersonToSecond', () => {
  it('turns what the user said about themselves into what the agent says back', () => {
    expect(firstPersonToSecond('My favourite colour is green')).toBe('Your favourite colour is green');
    expect(firstPersonToSecond("I'm allergic to nuts and I love my dog")).toBe(
      "You're allergic to nuts and you love your dog",
    );
    expect(firstPersonToSecond('Lima is the capital of Peru')).toBe('Lima is the capital of Peru');
    // A capital where a sentence starts, after spaces or a line break too, and nowhere else.
    expect(firstPersonToSecond('  my cat is old.  my dog too!\nI walk them; me too')).toBe(
      '  Your cat is old.  Your dog too!\nYou walk them; you too',
    );
  });
});
