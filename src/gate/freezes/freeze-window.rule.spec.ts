import {
  freezeAt,
  freezeWindowTarget,
  MAX_FREEZE_MINUTES,
  type FreezeTiming,
  type FreezeWindowRequest,
} from './freeze-window.rule.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const at = (iso: string) => new Date(iso);
const timing = (t: Partial<FreezeTiming>): FreezeTiming => ({
  cron: '0 18 * * 5',
  timeZone: 'UTC',
  durationMinutes: 60,
  activeFrom: null,
  activeUntil: null,
  ...t,
});
const iso = (o: { start: Date; end: Date } | null) =>
  o && { start: o.start.toISOString(), end: o.end.toISOString() };

describe('freezeAt', () => {
  it('covers [fire, fire + duration): the start is in, the end is out', () => {
    const w = timing({});
    // 2026-03-06 is a Friday.
    const occurrence = { start: '2026-03-06T18:00:00.000Z', end: '2026-03-06T19:00:00.000Z' };
    expect(freezeAt(w, at('2026-03-06T17:59:59.999Z'))).toBeNull();
    expect(iso(freezeAt(w, at('2026-03-06T18:00:00.000Z')))).toEqual(occurrence);
    expect(iso(freezeAt(w, at('2026-03-06T18:30:00.500Z')))).toEqual(occurrence);
    expect(iso(freezeAt(w, at('2026-03-06T18:59:59.999Z')))).toEqual(occurrence);
    expect(freezeAt(w, at('2026-03-06T19:00:00.000Z'))).toBeNull();
    expect(freezeAt(w, at('2026-03-07T18:30:00.000Z'))).toBeNull();
  });

  it('reads the cron in the window’s zone, and a weekend freeze spans days', () => {
    // Friday 18:00 in Berlin (CET, +01:00) for 62 hours: until Monday 08:00.
    const w = timing({ timeZone: 'Europe/Berlin', durationMinutes: 62 * 60 });
    expect(freezeAt(w, at('2026-02-27T16:59:00Z'))).toBeNull();
    expect(iso(freezeAt(w, at('2026-03-01T12:00:00Z')))).toEqual({
      start: '2026-02-27T17:00:00.000Z',
      end: '2026-03-02T07:00:00.000Z',
    });
    expect(freezeAt(w, at('2026-03-02T07:00:00Z'))).toBeNull();
  });

  it('a fire at a time that does not exist (Europe/Berlin, 2026-03-29) happens after the gap', () => {
    const w = timing({ cron: '30 2 * * *', timeZone: 'Europe/Berlin', durationMinutes: 60 });
    // The day before: 02:30 CET = 01:30Z.
    expect(iso(freezeAt(w, at('2026-03-28T01:45:00Z')))?.start).toBe('2026-03-28T01:30:00.000Z');
    // 02:00 CET jumps to 03:00 CEST (01:00Z): the window opens at 03:00 CEST and lasts 60 real minutes.
    expect(freezeAt(w, at('2026-03-29T00:59:59Z'))).toBeNull();
    expect(iso(freezeAt(w, at('2026-03-29T01:30:00Z')))).toEqual({
      start: '2026-03-29T01:00:00.000Z',
      end: '2026-03-29T02:00:00.000Z',
    });
    // The day after: 02:30 CEST = 00:30Z.
    expect(iso(freezeAt(w, at('2026-03-30T00:45:00Z')))?.start).toBe('2026-03-30T00:30:00.000Z');
    expect(freezeAt(w, at('2026-03-30T01:30:00Z'))).toBeNull();
  });

  it('a fire at a time that happens twice (America/New_York, 2026-11-01) happens once, at the first', () => {
    const w = timing({ cron: '30 1 * * *', timeZone: 'America/New_York', durationMinutes: 45 });
    // 01:30 EDT (-04:00) = 05:30Z; the second 01:30 (EST) = 06:30Z opens nothing.
    expect(iso(freezeAt(w, at('2026-11-01T05:40:00Z')))).toEqual({
      start: '2026-11-01T05:30:00.000Z',
      end: '2026-11-01T06:15:00.000Z',
    });
    expect(freezeAt(w, at('2026-11-01T06:40:00Z'))).toBeNull();
    // The next day in EST: 06:30Z.
    expect(iso(freezeAt(w, at('2026-11-02T06:40:00Z')))?.start).toBe('2026-11-02T06:30:00.000Z');
  });

  it('a duration is elapsed time across a transition', () => {
    // 00:00 Berlin on 2026-03-29 (CET, 23:00Z the day before) for 4 hours: 03:00Z, 05:00 CEST.
    const w = timing({ cron: '0 0 * * *', timeZone: 'Europe/Berlin', durationMinutes: 240 });
    expect(iso(freezeAt(w, at('2026-03-29T02:59:00Z')))).toEqual({
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T03:00:00.000Z',
    });
    expect(freezeAt(w, at('2026-03-29T03:00:00Z'))).toBeNull();
  });

  it('a window firing more often than it lasts reports its latest occurrence', () => {
    const w = timing({ cron: '*/10 * * * *', durationMinutes: 60 });
    expect(iso(freezeAt(w, at('2026-03-06T12:34:56Z')))).toEqual({
      start: '2026-03-06T12:30:00.000Z',
      end: '2026-03-06T13:30:00.000Z',
    });
  });

  it('freezes nothing before activeFrom or from activeUntil on, and ends an occurrence there', () => {
    const w = timing({
      activeFrom: at('2026-03-06T18:30:00Z'),
      activeUntil: at('2026-03-13T18:20:00Z'),
    });
    expect(freezeAt(w, at('2026-03-06T18:10:00Z'))).toBeNull();
    expect(iso(freezeAt(w, at('2026-03-06T18:40:00Z')))?.start).toBe('2026-03-06T18:00:00.000Z');
    expect(iso(freezeAt(w, at('2026-03-13T18:10:00Z')))?.end).toBe('2026-03-13T18:20:00.000Z');
    expect(freezeAt(w, at('2026-03-13T18:20:00Z'))).toBeNull();
  });

  it('overlapping windows each report their own occurrence', () => {
    const t = at('2026-03-06T18:30:00Z');
    const windows = [timing({}), timing({ cron: '0 17 * * *', durationMinutes: 120 })];
    expect(windows.map((w) => iso(freezeAt(w, t)))).toEqual([
      { start: '2026-03-06T18:00:00.000Z', end: '2026-03-06T19:00:00.000Z' },
      { start: '2026-03-06T17:00:00.000Z', end: '2026-03-06T19:00:00.000Z' },
    ]);
  });
});

describe('freezeWindowTarget', () => {
  const req = (r: Partial<FreezeWindowRequest>): FreezeWindowRequest => ({
    name: 'Friday evenings',
    cron: '0 18 * * 5',
    durationMinutes: 60,
    timeZone: 'Europe/Berlin',
    reason: 'nobody on call',
    ...r,
  });

  it('scopes like a lock and normalises the cron', () => {
    const r = freezeWindowTarget(
      req({ service: ' cart ', environment: 'production', cron: ' 0  18 * *   5 ' }),
      NOW,
    );
    expect(r).toEqual({
      ok: true,
      target: {
        name: 'Friday evenings',
        scope: 'SERVICE',
        service: 'cart',
        namespace: '',
        environment: 'production',
        reason: 'nobody on call',
        cron: '0 18 * * 5',
        timeZone: 'Europe/Berlin',
        durationMinutes: 60,
        activeFrom: null,
        activeUntil: null,
      },
    });
    const env = freezeWindowTarget(req({ environment: 'production' }), NOW);
    expect(env.ok && env.target.scope).toBe('ENVIRONMENT');
    const all = freezeWindowTarget(req({}), NOW);
    expect(all.ok && all.target.scope).toBe('EVERYTHING');
  });

  it.each<[string, Partial<FreezeWindowRequest>, string]>([
    ['a blank name', { name: ' ' }, 'name'],
    ['a blank reason', { reason: '' }, 'reason'],
    ['a namespace without a service', { namespace: 'shop' }, 'namespace'],
    ['a cron of six fields', { cron: '0 0 18 * * 5' }, 'cron'],
    ['a cron that is not one', { cron: 'every friday' }, 'cron'],
    ['a field out of range', { cron: '61 18 * * 5' }, 'cron'],
    ['a cron that never fires', { cron: '0 0 30 2 *' }, 'cron'],
    ['an unknown zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['an offset for a zone', { timeZone: 'utc+1' }, 'timeZone'],
    ['a zero duration', { durationMinutes: 0 }, 'durationMinutes'],
    ['a fractional duration', { durationMinutes: 1.5 }, 'durationMinutes'],
    ['a duration over 31 days', { durationMinutes: MAX_FREEZE_MINUTES + 1 }, 'durationMinutes'],
    ['an activeUntil in the past', { activeUntil: at('2026-02-01T00:00:00Z') }, 'activeUntil'],
    [
      'an activeUntil before activeFrom',
      { activeFrom: at('2026-05-01T00:00:00Z'), activeUntil: at('2026-04-01T00:00:00Z') },
      'activeUntil',
    ],
  ])('refuses %s', (_case, r, field) => {
    expect(freezeWindowTarget(req(r), NOW)).toMatchObject({ ok: false, field });
  });
});
