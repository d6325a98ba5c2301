import type { EntityManager } from 'typeorm';

/**
 * Multi-row SQL without building giant VALUES lists: the rows travel as ONE jsonb parameter and
 * `jsonb_to_recordset` turns them into a typed relation. A batch of a thousand events costs the
 * same handful of statements as a single event.
 */

/** A column of a recordset: its name (snake_case, as in the table) and SQL type. */
export type Col = readonly [name: string, type: string];

export type Row = Record<string, unknown>;

/** `jsonb_to_recordset($n::jsonb) AS alias(col type, ...)` */
export function recordset(cols: readonly Col[], param: number, alias = 'v'): string {
  return `jsonb_to_recordset($${param}::jsonb) AS ${alias}(${cols.map(([n, t]) => `${n} ${t}`).join(', ')})`;
}

export const names = (cols: readonly Col[], prefix = ''): string =>
  cols.map(([n]) => prefix + n).join(', ');

/** A table whose rows are state machines keyed by a natural key. */
export interface KeyedTable {
  readonly table: string;
  /** The natural key (a unique constraint). */
  readonly key: readonly Col[];
  /** Every column events write, key included. */
  readonly columns: readonly Col[];
}

/**
 * One statement for a batch of keyed rows: inserts the rows whose natural key is free and locks
 * (FOR UPDATE) the stored rows of the others. A key that a concurrent transaction inserted after
 * this statement's snapshot is in neither list: the caller tries it again.
 *
 * An inserted row comes back as the row given, with its new id (the database returns only the id
 * and key: a batch of a thousand new rows is not sent back and parsed again); a stored row comes
 * with its id and every column of `t`.
 */
export async function insertOrLock(
  m: EntityManager,
  t: KeyedTable,
  rows: readonly Row[],
): Promise<{ inserted: Row[]; stored: Row[] }> {
  if (rows.length === 0) return { inserted: [], stored: [] };
  const on = t.key.map(([n]) => `t.${n} = v.${n}`).join(' AND ');
  const isKey = new Set(t.key.map(([n]) => n));
  const keyAndNulls = t.columns
    .map(([n, type]) => (isKey.has(n) ? n : `NULL::${type} AS ${n}`))
    .join(', ');
  const result = await m.query<Row[]>(
    `WITH v AS (SELECT * FROM ${recordset(t.columns, 1)}),
     ins AS (
       INSERT INTO ${t.table} (${names(t.columns)})
       SELECT ${names(t.columns, 'v.')} FROM v ORDER BY ${names(t.key, 'v.')}
       ON CONFLICT (${names(t.key)}) DO NOTHING RETURNING id, ${names(t.key)}),
     stored AS (SELECT t.id, ${names(t.columns, 't.')} FROM ${t.table} t JOIN v ON ${on} ORDER BY t.id FOR UPDATE OF t)
     SELECT true AS _inserted, id, ${keyAndNulls} FROM ins UNION ALL SELECT false, * FROM stored`,
    [JSON.stringify(rows)],
  );
  const given = new Map(rows.map((row) => [keyOf(t, row), row]));
  const inserted: Row[] = [];
  const stored: Row[] = [];
  for (const { _inserted, ...row } of result) {
    if (_inserted) inserted.push({ ...given.get(keyOf(t, row)), id: row.id });
    else stored.push(row);
  }
  return { inserted, stored };
}

/** Updates rows by id with every non-key column of `t`. */
export async function updateById(m: EntityManager, t: KeyedTable, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const keyNames = new Set(t.key.map(([n]) => n));
  const set = t.columns.filter(([n]) => !keyNames.has(n));
  await m.query(
    `UPDATE ${t.table} t SET ${set.map(([n]) => `${n} = v.${n}`).join(', ')}, updated_at = now()
     FROM ${recordset([['id', 'bigint'], ...set], 1)} WHERE t.id = v.id`,
    [JSON.stringify(rows)],
  );
}

/** A timestamp column of a row read back (the driver gives a Date or a string). */
export const rowDate = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(v as string);

/** A text column of a row read back. */
export const rowText = (v: unknown): string | null => (v as string | null | undefined) ?? null;

/** The key of a row as a string, for maps. */
export const keyOf = (t: KeyedTable, row: Row): string =>
  JSON.stringify(t.key.map(([n]) => row[n] ?? null));
