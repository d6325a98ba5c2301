import { jsonTextDeeperThan, jsonValueDeeperThan } from './json-depth.js';

const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

describe('jsonTextDeeperThan', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(jsonTextDeeperThan('1', 0)).toBe(false);
    expect(jsonTextDeeperThan('[]', 0)).toBe(true);
    expect(jsonTextDeeperThan('[]', 1)).toBe(false);
    expect(jsonTextDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonTextDeeperThan('{"a":[{"b":1}]}', 2)).toBe(true);
    expect(jsonTextDeeperThan('[[],[],[]]', 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonTextDeeperThan(JSON.stringify({ a: '[[[[{{{{' }), 1)).toBe(false);
    expect(jsonTextDeeperThan(JSON.stringify({ a: 'x\\"[[[[' }), 1)).toBe(false);
    expect(jsonTextDeeperThan(JSON.stringify({ a: '\\' }) + '[[', 1)).toBe(true);
  });

  it('measures 100,000 levels without recursion', () => {
    expect(jsonTextDeeperThan(nested(100_000), 100)).toBe(true);
    expect(jsonTextDeeperThan(Buffer.from(nested(100)), 100)).toBe(false);
  });
});

describe('jsonValueDeeperThan', () => {
  it('agrees with the text measure', () => {
    for (const text of ['1', '[]', '{"a":[{"b":1}]}', '[[],[[]],[]]', '{"a":{"b":{"c":null}}}']) {
      for (const max of [0, 1, 2, 3, 4]) {
        expect([text, max, jsonValueDeeperThan(JSON.parse(text), max)]).toEqual([
          text,
          max,
          jsonTextDeeperThan(text, max),
        ]);
      }
    }
  });

  it('walks 100,000 parsed levels without recursion', () => {
    const deep: unknown = JSON.parse(nested(100_000));
    expect(jsonValueDeeperThan(deep, 100)).toBe(true);
    expect(jsonValueDeeperThan(JSON.parse(nested(100)), 100)).toBe(false);
  });
});
