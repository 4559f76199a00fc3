import { describe, expect, it } from 'vitest';
import { speakersNamedIn } from './named-speakers.js';

describe('speakersNamedIn', () => {
  it('names a speaker whose name the query holds, in any case or possessive', () => {
    const named = speakersNamedIn("What is Caroline's favourite book?");
    expect(named('Caroline')).toBe(true);
    expect(named('caroline')).toBe(true);
    expect(named('Melanie')).toBe(false);
  });

  it('names a speaker of several words by any of them, and never one named by stopwords alone', () => {
    expect(speakersNamedIn('When did Adeleke open the shop?')('Adeleke Okonjo')).toBe(true);
    expect(speakersNamedIn('What does the user prefer?')('user')).toBe(true);
    expect(speakersNamedIn('What did I say about it?')('I')).toBe(false);
  });

  it('names a speaker whose name the query writes without its accents, or with them', () => {
    expect(speakersNamedIn('what did Jose say')('José')).toBe(true);
    expect(speakersNamedIn('what did José say')('Jose')).toBe(true);
    expect(speakersNamedIn('what did Jose say')('Josefa')).toBe(false);
  });
});
