import { lockCovers, lockTarget, MAX_LOCK_REASON } from './deploy-lock.rule.js';

const NOW = new Date('2026-12-04T12:00:00Z');

describe('deploy lock targets', () => {
  it.each([
    [{ service: 'checkout', environment: 'production' }, 'SERVICE'],
    [{ service: 'checkout' }, 'SERVICE'],
    [{ environment: 'production' }, 'ENVIRONMENT'],
    [{ service: '  ', environment: ' ' }, 'EVERYTHING'],
    [{}, 'EVERYTHING'],
  ])('%j locks %s', (given, scope) => {
    const r = lockTarget({ ...given, reason: 'incident 42' }, NOW);
    expect(r.ok && r.target.scope).toBe(scope);
  });

  it.each([
    [{ reason: '  ' }, 'reason'],
    [{ reason: 'x'.repeat(MAX_LOCK_REASON + 1) }, 'reason'],
    [{ reason: 'r', namespace: 'shop' }, 'namespace'],
    [{ reason: 'r', until: NOW }, 'until'],
    [{ reason: 'r', until: new Date(NOW.getTime() - 1) }, 'until'],
  ])('refuses %j on %s', (req, field) => {
    expect(lockTarget(req, NOW)).toMatchObject({ ok: false, field });
  });

  it('keeps a future until, and trims what it keeps', () => {
    const until = new Date(NOW.getTime() + 3_600_000);
    expect(
      lockTarget({ service: ' cart ', namespace: ' shop ', reason: ' SEV1 ', until }, NOW),
    ).toEqual({
      ok: true,
      target: {
        scope: 'SERVICE',
        service: 'cart',
        namespace: 'shop',
        environment: null,
        reason: 'SEV1',
        until,
      },
    });
  });

  const svc = (environment: string | null) =>
    ({ scope: 'SERVICE', service: 'cart', namespace: '', environment }) as const;
  it.each([
    [svc(null), 'cart', '', 'staging', true],
    [svc('production'), 'cart', '', 'production', true],
    [svc('production'), 'cart', '', 'staging', false],
    [svc(null), 'cart', 'shop', 'production', false],
    [svc(null), 'web', '', 'production', false],
    [
      { scope: 'ENVIRONMENT', service: null, namespace: '', environment: 'production' },
      'web',
      '',
      'production',
      true,
    ],
    [
      { scope: 'ENVIRONMENT', service: null, namespace: '', environment: 'production' },
      'web',
      '',
      'staging',
      false,
    ],
    [
      { scope: 'EVERYTHING', service: null, namespace: '', environment: null },
      'web',
      'x',
      'dev',
      true,
    ],
  ] as const)('%j covers %s/%s in %s: %s', (lock, service, namespace, environment, covers) => {
    expect(lockCovers(lock, service, namespace, environment)).toBe(covers);
  });
});
