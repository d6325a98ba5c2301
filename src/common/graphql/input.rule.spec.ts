import { MAX_STRING_LENGTH, MAX_VARIABLE_DEPTH, badInputValue, badString } from './input.rule.js';

describe('badString', () => {
  it.each([
    ['plain text, emoji 🚀 and accents é', undefined],
    ['a\u0000b', 'a NUL character'],
    ['\ud800', 'a lone UTF-16 surrogate (not valid Unicode)'],
    ['x\udc00y', 'a lone UTF-16 surrogate (not valid Unicode)'],
    ['\ud83d\ude80\ud83d', 'a lone UTF-16 surrogate (not valid Unicode)'],
    ['x'.repeat(MAX_STRING_LENGTH + 1), `a string longer than ${MAX_STRING_LENGTH} characters`],
  ])('%j: %s', (text, reason) => {
    expect(badString(text)).toBe(reason);
  });
});

describe('badInputValue', () => {
  it('finds a bad string anywhere, keys included, and names its path', () => {
    expect(badInputValue({ a: [1, { b: 'ok' }, { c: 'x\u0000' }] }, '$input')).toEqual({
      path: '$input.a[2].c',
      reason: 'a NUL character',
    });
    expect(badInputValue({ ['k\ud800']: 1 }, '$v')?.reason).toMatch(/^a key with a lone/);
    expect(badInputValue({ a: [true, null, 3, 'fine'] }, '$v')).toBeUndefined();
  });

  it('refuses nesting past the limit without recursion, however deep', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(badInputValue(deep, '$v')?.reason).toBe(
      `nesting deeper than ${MAX_VARIABLE_DEPTH} levels`,
    );
    let fits: unknown = 'leaf';
    for (let i = 0; i < MAX_VARIABLE_DEPTH; i++) fits = { x: fits };
    expect(badInputValue(fits, '$v')).toBeUndefined();
  });
});
