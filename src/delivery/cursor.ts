import { badInput } from '../common/errors/domain-error.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A position in a list ordered by (time, id) descending; opaque to clients (base64url JSON). */
export interface Cursor {
  readonly at: Date;
  readonly id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [at, id] = parsed as unknown[];
      const date = typeof at === 'string' ? new Date(at) : null;
      if (date && !Number.isNaN(date.getTime()) && typeof id === 'string' && /^\d{1,19}$/.test(id))
        return { at: date, id };
    }
  } catch {
    // fall through
  }
  throw badInput('`after` is not a cursor returned by this list');
}

/** `first`, validated: 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`);
  return first;
}

/** The page of `rows` (fetched with one extra row to know whether more follow). */
export function toConnection<R, N>(
  rows: readonly R[],
  size: number,
  cursorOf: (row: R) => Cursor,
  node: (row: R) => N,
): {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
} {
  const page = rows.slice(0, size);
  const edges = page.map((r) => ({ cursor: encodeCursor(cursorOf(r)), node: node(r) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
