/**
 * What the CLI prints: plain aligned tables and lines for people, one JSON document for scripts.
 * Pure formatting; the writers are passed in.
 */

export interface Writer {
  write(chunk: string): unknown;
}

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string | number | null | undefined;
  /** Numbers align right by default. */
  readonly align?: 'left' | 'right';
}

/** An aligned text table; `null`/`undefined` cells print as `-`. */
export function renderTable<Row>(rows: readonly Row[], cols: readonly Column<Row>[]): string {
  const cells = rows.map((row) =>
    cols.map((c) => {
      const v = c.value(row);
      return v === null || v === undefined || v === '' ? '-' : String(v);
    }),
  );
  const right = cols.map(
    (c, i) =>
      c.align === 'right' ||
      (c.align === undefined &&
        rows.length > 0 &&
        rows.every((r) => typeof cols[i].value(r) === 'number')),
  );
  const widths = cols.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** 1234567 -> "1,234,567" (stable across locales). */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Seconds as a short human duration: 45s, 12m, 3.5h, 2.1d. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.abs(seconds);
  const fixed = (v: number): string => (v >= 10 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, ''));
  if (s < 60) return `${fixed(seconds)}s`;
  if (s < 3600) return `${fixed(seconds / 60)}m`;
  if (s < 86400 * 2) return `${fixed(seconds / 3600)}h`;
  return `${fixed(seconds / 86400)}d`;
}

/** A ratio as a percentage with one decimal, e.g. 0.1234 -> "12.3%". */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '-';
  return `${(ratio * 100).toFixed(digits)}%`;
}

export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return Number.isInteger(value) ? formatCount(value) : value.toFixed(digits);
}

export function writeJson(out: Writer, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
