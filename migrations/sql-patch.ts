/**
 * A later definition of an SQL function written as the earlier one (exported by its migration)
 * with named edits, so that a migration states only what it changes. Each `from` must occur
 * exactly once: an edit that would silently apply nowhere, or twice, throws at load time.
 */
export function patchSql(sql: string, edits: readonly (readonly [string, string])[]): string {
  let out = sql;
  for (const [from, to] of edits) {
    const at = out.indexOf(from);
    if (at < 0 || out.indexOf(from, at + 1) >= 0) {
      throw new Error(`patchSql: expected exactly one occurrence of ${JSON.stringify(from)}`);
    }
    out = out.slice(0, at) + to + out.slice(at + from.length);
  }
  return out;
}
