import type { EntityManager } from 'typeorm';
import { insertOrLock, keyOf, updateById, type KeyedTable, type Row } from './recordset.js';

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
 * Applies events to state-machine rows keyed by natural ids, in one pass for a whole batch: fold
 * each key's events from nothing, insert the keys that are free and lock the stored rows of the
 * others in ONE statement (insertOrLock), fold the events again over the stored rows with the
 * pure rule, update the changed ones. A key that a concurrent transaction created meanwhile is
 * tried again.
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
    const fold = (from: S | null, events: readonly E[]): S =>
      events.reduce<S | null>((state, e) => spec.merge(state, e), from)!;
    const created = new Map<string, S>();
    const candidates: Row[] = [];
    for (const [k, g] of groups) {
      const state = fold(null, g.events);
      created.set(k, state);
      candidates.push(spec.toRow(g.key, state, null, g.events[0]));
    }
    const { inserted, stored } = await insertOrLock(m, spec.table, candidates);
    for (const row of inserted) {
      const k = keyOf(spec.table, row);
      results.set(k, { id: String(row.id), before: null, after: created.get(k)!, row });
    }
    const updates: Row[] = [];
    for (const locked of stored) {
      const k = keyOf(spec.table, locked);
      const g = groups.get(k)!;
      const before = spec.fromRow(locked);
      const after = fold(before, g.events);
      const id = String(locked.id);
      const row = { ...spec.toRow(g.key, after, locked, g.events[0]), id };
      results.set(k, { id, before, after, row });
      if (!spec.same(before, after)) updates.push(row);
    }
    await updateById(m, spec.table, updates);
    // Keys created concurrently since our snapshot: fold their events again over the stored rows.
    pending = pending.filter((item) => !results.has(keyOf(spec.table, item.key)));
  }
  return results;
}
