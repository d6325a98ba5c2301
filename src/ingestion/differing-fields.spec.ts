import { differingFields } from './event-writer.js';

describe('differingFields', () => {
  it('names the top-level fields that differ, whatever the key order (jsonb reorders keys)', () => {
    const sent = { version: '1', commits: [{ sha: 'a', message: 'm' }], occurredAt: 't1' };
    const stored = { commits: [{ message: 'm', sha: 'a' }], occurredAt: 't0', version: '1' };
    expect(differingFields(stored, sent)).toEqual(['occurredAt']);
    expect(differingFields({ a: 1 }, { a: 1, b: null })).toEqual(['b']);
    expect(differingFields({ a: [1, 2] }, { a: [2, 1] })).toEqual(['a']);
    expect(differingFields(sent, sent)).toEqual([]);
  });
});
