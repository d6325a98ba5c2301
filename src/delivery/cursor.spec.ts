import { DomainError } from '../common/errors/domain-error.js';
import { decodeCursor, decodeNameCursor, encodeCursor, pageSize, toConnection } from './cursor.js';

describe('cursors', () => {
  it('round-trips a position', () => {
    const c = { at: new Date('2025-06-01T10:00:00.123Z'), id: '42' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('round-trips a position in a list by name', () => {
    const c = { at: 'checkout "eu"/✓', id: '7' };
    expect(decodeNameCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor(encodeCursor(c))).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }) as DomainError,
    );
    expect(() => decodeNameCursor(Buffer.from('[1,"7"]').toString('base64url'))).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }) as DomainError,
    );
  });

  it.each([
    'nope',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["x","1"]').toString('base64url'),
    '',
  ])('refuses %j with BAD_USER_INPUT', (value) => {
    expect(() => decodeCursor(value)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }) as DomainError,
    );
  });

  it('bounds the page size', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(100)).toBe(100);
    expect(() => pageSize(101)).toThrow(DomainError);
    expect(() => pageSize(0)).toThrow(DomainError);
  });

  it('builds a page from one row too many', () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: new Date(n * 1000) }));
    const page = toConnection(
      rows,
      2,
      (r) => ({ at: r.at, id: String(r.n) }),
      (r) => r.n,
    );
    expect(page.edges.map((e) => e.node)).toEqual([1, 2]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: page.edges[1].cursor });
    const last = toConnection(
      rows.slice(2),
      2,
      (r) => ({ at: r.at, id: String(r.n) }),
      (r) => r.n,
    );
    expect(last.pageInfo.hasNextPage).toBe(false);
  });
});
