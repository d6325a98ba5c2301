import { freezeAt, type FreezeTiming } from './freeze-window.rule.js';
import {
  deployedDuringFreeze,
  insideOccurrences,
  lockInForceAt,
  type LockSpan,
} from './frozen-deployment.rule.js';

const at = (iso: string) => new Date(iso);
const timing = (t: Partial<FreezeTiming>): FreezeTiming => ({
  cron: '0 10 * * 2',
  timeZone: 'UTC',
  durationMinutes: 60,
  activeFrom: null,
  activeUntil: null,
  ...t,
});

describe('insideOccurrences', () => {
  // 2026-03-03 is a Tuesday.
  const instants = [
    '2026-03-03T10:30:00Z',
    '2026-03-02T09:00:00Z',
    '2026-03-03T11:00:00Z',
    '2026-03-10T10:00:00Z',
    '2026-03-03T09:59:59Z',
  ].map(at);

  it('marks the instants inside an occurrence, in the order given', () => {
    expect(insideOccurrences(timing({}), instants)).toEqual([true, false, false, true, false]);
  });

  it('agrees with freezeAt, whether it lists the fires or asks per instant (DST included)', () => {
    const busy = timing({ cron: '*/7 * * * *', durationMinutes: 3, timeZone: 'Europe/Berlin' });
    // 12 instants over 36 hours, about 300 fires: asked once per instant.
    const many = Array.from(
      { length: 12 },
      (_, i) => new Date(Date.UTC(2026, 2, 28, i * 3, 0, i * 97)),
    );
    expect(insideOccurrences(busy, many)).toEqual(many.map((t) => freezeAt(busy, t) !== null));
    // 30 instants over 9 days, 9 fires: listed once.
    const daily = timing({ cron: '30 2 * * *', timeZone: 'Europe/Berlin', durationMinutes: 90 });
    const days = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 2, 20, i * 7, 13)));
    expect(insideOccurrences(daily, days)).toEqual(days.map((t) => freezeAt(daily, t) !== null));
  });

  it('is false outside the window’s active range', () => {
    const w = timing({ activeFrom: at('2026-03-05T00:00:00Z') });
    expect(insideOccurrences(w, instants)).toEqual([false, false, false, true, false]);
    expect(insideOccurrences(w, [])).toEqual([]);
  });
});

describe('deployedDuringFreeze', () => {
  const lock: LockSpan = {
    scope: 'SERVICE',
    service: 'cart',
    namespace: '',
    environment: 'production',
    lockedAt: at('2026-03-04T09:00:00Z'),
    until: at('2026-03-04T11:00:00Z'),
    releasedAt: null,
  };

  it('a lock in force then, or an open window covering the deployment, flags it', () => {
    const d = (service: string, environment: string, iso: string) => ({
      service,
      namespace: '',
      environment,
      at: at(iso),
    });
    const deployments = [
      d('cart', 'production', '2026-03-04T10:00:00Z'), // the lock
      d('cart', 'staging', '2026-03-04T10:00:00Z'), // not the lock's environment
      d('web', 'production', '2026-03-03T10:15:00Z'), // the window
      d('web', 'staging', '2026-03-03T10:15:00Z'), // not the window's environment
      d('cart', 'production', '2026-03-04T11:00:00Z'), // the lock has lapsed
    ];
    const windows = [
      {
        scope: 'ENVIRONMENT' as const,
        service: null,
        namespace: '',
        environment: 'production',
        timing: timing({}),
      },
    ];
    expect(deployedDuringFreeze(deployments, [lock], windows)).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('a lock is in force from when it was taken until it lapses or is released', () => {
    expect(lockInForceAt(lock, at('2026-03-04T08:59:59Z'))).toBe(false);
    expect(lockInForceAt(lock, at('2026-03-04T09:00:00Z'))).toBe(true);
    const released = { ...lock, until: null, releasedAt: at('2026-03-04T09:30:00Z') };
    expect(lockInForceAt(released, at('2026-03-04T09:29:59Z'))).toBe(true);
    expect(lockInForceAt(released, at('2026-03-04T09:30:00Z'))).toBe(false);
  });
});
