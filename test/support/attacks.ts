/** Documents an attacker sends to a GraphQL endpoint (issue 17's findings), for tests. */

/** Each fragment spreads the next `fanout` times: fanout^levels paths in a few hundred bytes. */
export function fragmentBomb(levels: number, leaf = 'serverInfo { version }', fanout = 2): string {
  let query = 'query { ...F0 }';
  for (let i = 0; i < levels; i++)
    query += ` fragment F${i} on Query { ${` ...F${i + 1}`.repeat(fanout)} }`;
  return `${query} fragment F${levels} on Query { ${leaf} }`;
}

/** A selection of about `bytes` bytes made of one field repeated: one token per 11 bytes. */
export const tokenFlood = (bytes: number): string =>
  `{ ${'serverInfo '.repeat(Math.floor(bytes / 11))}}`;
