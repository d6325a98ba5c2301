import { ANONYMOUS_REFUSAL, anonymousRefusal } from './anonymous-graphql.rule.js';

describe('anonymousRefusal', () => {
  it('lets serverInfo through, however it is written', () => {
    for (const query of [
      '{ serverInfo { version } }',
      'query Info { __typename serverInfo { version name } }',
      'query { ...F } fragment F on Query { ... on Query { serverInfo { version } } }',
    ])
      expect(anonymousRefusal({ query })).toBeUndefined();
  });

  it('refuses every other field, mutations, introspection and batches', () => {
    for (const body of [
      { query: '{ deployments { nodes { id } } }' },
      { query: 'mutation { revokeApiToken(id: "1") { id } }' },
      { query: '{ __schema { types { name } } }' },
      { query: '{ serverInfo { version } } fragment F on Query { apiTokens { id } }' },
      {
        query:
          '{ ...F } fragment F on Query { serverInfo { version } ...G } fragment G on Query { apiTokens { id } }',
      },
      [{ query: '{ serverInfo { version } }' }],
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } },
      'text',
      null,
    ])
      expect(anonymousRefusal(body)).toBe(ANONYMOUS_REFUSAL);
  });

  it('stops at 200 tokens, so a 4.8 MB document costs no more than a small one', () => {
    const huge = `{ ${'serverInfo '.repeat(400_000)}}`;
    expect(anonymousRefusal({ query: huge })).toBe(ANONYMOUS_REFUSAL);
  });

  it('walks each fragment once: a fragment bomb is answered in linear steps', () => {
    const bomb = (levels: number, field: string): string => {
      let query = '{ ...F0 }';
      for (let i = 0; i < levels; i++)
        query += ` fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`;
      return `${query} fragment F${levels} on Query { ${field} { version } }`;
    };
    // 2^15 paths through 15 fragments, within the token limit: walked in 16 steps.
    expect(anonymousRefusal({ query: bomb(15, 'serverInfo') })).toBeUndefined();
    expect(anonymousRefusal({ query: bomb(15, 'apiTokens') })).toBe(ANONYMOUS_REFUSAL);
    // 22 levels are past the token limit: refused while parsing.
    expect(anonymousRefusal({ query: bomb(22, 'serverInfo') })).toBe(ANONYMOUS_REFUSAL);
  });

  it('leaves a small document that does not parse to Apollo (GRAPHQL_PARSE_FAILED)', () => {
    expect(anonymousRefusal({ query: '{ serverInfo { ' })).toBeUndefined();
  });
});
