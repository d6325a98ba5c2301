/**
 * Strict timestamp parsing shared by GraphQL inputs and webhook mappers. Accepts RFC 3339
 * (`2026-11-29T23:30:00.123+01:00`, `...Z`) and the variants CI systems send
 * (`2016-08-12 15:23:28 UTC`, `2021-04-28 21:50:00 +0200`). A string without an offset is refused:
 * guessing a timezone silently shifts DORA figures.
 */
export type ParsedTimestamp = { ok: true; date: Date } | { ok: false; reason: string };

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})$/i;

export function parseTimestamp(value: string): ParsedTimestamp {
  const m = PATTERN.exec(value.trim());
  if (!m)
    return {
      ok: false,
      reason: 'expected an RFC 3339 date-time with an offset, e.g. 2026-11-29T23:30:00Z',
    };
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: 'no such calendar date' };
  }
  if (hour > 23 || minute > 59 || second > 60) return { ok: false, reason: 'no such time of day' };
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z' && zone.toUpperCase() !== 'UTC') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return { ok: false, reason: 'invalid UTC offset' };
    offsetMinutes = sign * (oh * 60 + om);
  }
  const ms = Number((frac + '000').slice(0, 3));
  const utc =
    utcMs(year, month - 1, day, hour, minute, Math.min(second, 59), ms) - offsetMinutes * 60_000;
  return { ok: true, date: new Date(utc) };
}

/**
 * Date.UTC without its two-digit-year rule (which reads years 0–99 as 1900–1999): years 0000–0999
 * are the years they say.
 */
function utcMs(...[year, monthIndex, day, ...time]: number[]): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(time[0] ?? 0, time[1] ?? 0, time[2] ?? 0, time[3] ?? 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month, 0)).getUTCDate();
}
