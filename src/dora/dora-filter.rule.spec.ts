import { DoraGranularity } from './dto/dora-metrics-filter.input.js';
import { checkWindow, isIanaTimezone, MAX_BUCKETS } from './dora-filter.rule.js';

const at = (iso: string): Date => new Date(iso);

describe('isIanaTimezone', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata', 'Etc/GMT+3'])(
    'accepts %s',
    (zone) => expect(isIanaTimezone(zone)).toBe(true),
  );
  it.each(['', 'utc+2', 'Mars/Olympus', 'EST5EDT', '+02:00', 'Europe/Berlin; DROP TABLE x'])(
    'refuses %p',
    (zone) => expect(isIanaTimezone(zone)).toBe(false),
  );
});

describe('checkWindow', () => {
  const base = {
    from: at('2026-01-01T00:00:00Z'),
    to: at('2026-04-01T00:00:00Z'),
    timezone: 'Europe/Berlin',
    granularity: DoraGranularity.WEEK,
  };

  it('accepts a 90-day weekly window and an empty one', () => {
    expect(checkWindow(base)).toBeNull();
    expect(checkWindow({ ...base, to: base.from })).toBeNull();
  });

  it('refuses a window that ends before it starts', () => {
    expect(checkWindow({ ...base, from: base.to, to: base.from })?.kind).toBe('ORDER');
  });

  it('refuses an unknown timezone', () => {
    expect(checkWindow({ ...base, timezone: 'Europe/Atlantis' })?.kind).toBe('TIMEZONE');
  });

  it('bounds the number of buckets', () => {
    const long = { ...base, to: at('2030-01-01T00:00:00Z'), granularity: DoraGranularity.DAY };
    expect(checkWindow(long)).toEqual({ kind: 'TOO_MANY_BUCKETS', buckets: 1462 });
    expect(checkWindow({ ...long, granularity: DoraGranularity.WEEK })).toBeNull();
    expect(MAX_BUCKETS).toBeGreaterThan(2 * 366);
  });
});
