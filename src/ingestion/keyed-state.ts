import type { EntityManager } from 'typeorm';
import {
  insertNew,
  keyOf,
  lockByKeys,
  updateById,
  type KeyedTable,
  type Row,
} from './recordset.js';

/** How one table's rows become states, merge events, and turn back into rows. */
export interface KeyedStateSpec<S, E> {
  readonly table: KeyedTable;
  readonly fromRow: (row: Row) => S;
  /** Every column of `table.columns` for this state; `locked` is the stored row, if any. */
  readonly toRow: (key: Row, state: S, locked: Row | null, first: E) => Row;
  readonly merge: (current: S | null, event: E) => S;
  readonly same: (a: S, b: S) => boolean;
}

export interface KeyedItem<E> {
  readonly key: Row;
  readonly event: E;
}

export interface KeyedResult<S> {
  readonly id: string;
  /** null: created by these events. */
  readonly before: S | null;
  readonly after: S;
  readonly row: Row;
}

/**
 * Applies events to state-machine rows keyed by natural ids, in one pass for a whole batch:
 * lock the existing rows (FOR UPDATE, id order), fold the events over them in memory with the
 * pure rule, insert the new keys (ON CONFLICT DO NOTHING), update the changed ones. A key that a
 * concurrent transaction created between our lock and our insert is locked and folded again.
 */
export async function applyKeyed<S, E>(
  m: EntityManager,
  spec: KeyedStateSpec<S, E>,
  items: readonly KeyedItem<E>[],
): Promise<Map<string, KeyedResult<S>>> {
  const results = new Map<string, KeyedResult<S>>();
  let pending = items;
  for (let round = 0; pending.length > 0; round++) {
    if (round > 3) throw new Error(`${spec.table.table}: natural keys kept changing under us`);
    const groups = new Map<string, { key: Row; events: E[] }>();
    for (const item of pending) {
      const k = keyOf(spec.table, item.key);
      const g = groups.get(k) ?? { key: item.key, events: [] };
      g.events.push(item.event);
      groups.set(k, g);
    }
    const locked = new Map<string, Row>();
    for (const row of await lockByKeys<Row>(
      m,
      spec.table,
      [...groups.values()].map((g) => g.key),
    ))
      locked.set(keyOf(spec.table, row), row);

    const inserts: { k: string; state: S; row: Row }[] = [];
    const updates: Row[] = [];
    for (const [k, g] of groups) {
      const stored = locked.get(k) ?? null;
      const before = stored ? spec.fromRow(stored) : null;
      let state = before;
      for (const e of g.events) state = spec.merge(state, e);
      const after = state!;
      const row = spec.toRow(g.key, after, stored, g.events[0]);
      if (stored) {
        const id = String(stored.id);
        results.set(k, { id, before, after, row: { ...row, id } });
        if (!spec.same(before!, after)) updates.push({ ...row, id });
      } else {
        inserts.push({ k, state: after, row });
      }
    }
    await updateById(m, spec.table, updates);
    const created = new Map<string, Row>();
    for (const row of await insertNew<Row>(
      m,
      spec.table,
      inserts.map((i) => i.row),
    ))
      created.set(keyOf(spec.table, row), row);
    for (const i of inserts) {
      const row = created.get(i.k);
      if (row) results.set(i.k, { id: String(row.id), before: null, after: i.state, row });
    }
    // Keys created concurrently since our lock: fold their events again over the stored rows.
    pending = pending.filter((item) => {
      const k = keyOf(spec.table, item.key);
      return !results.has(k);
    });
  }
  return results;
}
