import { badInput } from '../common/errors/domain-error.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * A position in a keyset-paginated list: the sort key of a row and its id. Lists of events are
 * ordered by (time, id) descending, the list of services by (name, id) ascending. Opaque to
 * clients (base64url JSON).
 */
export interface Cursor<K extends Date | string = Date> {
  readonly at: K;
  readonly id: string;
}

export function encodeCursor(c: Cursor<Date | string>): string {
  const at = c.at instanceof Date ? c.at.toISOString() : c.at;
  return Buffer.from(JSON.stringify([at, c.id])).toString('base64url');
}

/** A cursor of a list ordered by time. */
export function decodeCursor(value: string): Cursor {
  const { at, id } = decodeKey(value);
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw notACursor();
  return { at: date, id };
}

/** A cursor of a list ordered by name. */
export function decodeNameCursor(value: string): Cursor<string> {
  return decodeKey(value);
}

function decodeKey(value: string): Cursor<string> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [at, id] = parsed as unknown[];
      if (typeof at === 'string' && typeof id === 'string' && /^\d{1,19}$/.test(id))
        return { at, id };
    }
  } catch {
    // fall through
  }
  throw notACursor();
}

const notACursor = () => badInput('`after` is not a cursor returned by this list');

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
  cursorOf: (row: R) => Cursor<Date | string>,
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
