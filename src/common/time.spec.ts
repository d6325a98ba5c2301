import { parseTimestamp } from './time.js';

const iso = (value: string): string | undefined => {
  const r = parseTimestamp(value);
  return r.ok ? r.date.toISOString() : undefined;
};

describe('parseTimestamp', () => {
  it.each([
    ['2026-11-29T23:30:00Z', '2026-11-29T23:30:00.000Z'],
    ['2026-11-29T23:30:00.123456+01:00', '2026-11-29T22:30:00.123Z'],
    ['2016-08-12 15:23:28 UTC', '2016-08-12T15:23:28.000Z'],
    ['2021-04-28 21:50:00 +0200', '2021-04-28T19:50:00.000Z'],
    ['2011-12-12T14:27:31+02:00', '2011-12-12T12:27:31.000Z'],
    ['2024-02-29T00:00:00-05:30', '2024-02-29T05:30:00.000Z'],
    // Years before 1000 are those years, not 1900-1999 (Date.UTC's two-digit rule).
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
    ['0000-02-29T00:00:00Z', '0000-02-29T00:00:00.000Z'],
    ['0099-12-31T23:00:00-02:00', '0100-01-01T01:00:00.000Z'],
    ['0999-06-01T12:00:00Z', '0999-06-01T12:00:00.000Z'],
  ])('reads %s as %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each([
    ['2026-02-30T00:00:00Z', 'no such calendar date'],
    ['2025-02-29T00:00:00Z', 'no such calendar date'],
    ['1900-02-29T00:00:00Z', 'no such calendar date'],
    ['0001-02-29T00:00:00Z', 'no such calendar date'],
    ['2026-11-29T24:00:00Z', 'no such time of day'],
    ['2026-11-29T23:30:00', 'expected an RFC 3339'],
    ['yesterday', 'expected an RFC 3339'],
    ['2026-11-29T10:00:00+25:00', 'invalid UTC offset'],
  ])('refuses %s', (input, reason) => {
    const r = parseTimestamp(input);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain(reason);
  });
});
