import { DEFAULT_ANALYSIS } from '../verification-policy.js';
import { increaseByRoute, routeOf, seriesKey } from './counter.rule.js';
import { holmRejected, judgeRoutes, OTHER_ROUTES, routeGroups } from './route.rule.js';
import type { Counts } from './tick.rule.js';

const A = DEFAULT_ANALYSIS;
const routes = (entries: Record<string, [number, number]>): Map<string, Counts> =>
  new Map(Object.entries(entries).map(([r, [total, bad]]) => [r, { total, bad }]));

describe('per-route counts', () => {
  it('reads the route of a canonical series key, quotes and backslashes included', () => {
    expect(routeOf(seriesKey({ code: '200', http_route: '/pay', pod: 'a' }))).toBe('/pay');
    expect(routeOf(seriesKey({ http_route: '/say/"hi"\\', le: '0.25' }))).toBe('/say/"hi"\\');
    expect(routeOf(seriesKey({ code: '200', not_http_route: '/x' }))).toBeNull();
    expect(routeOf('{}')).toBeNull();
  });

  it("adds up each route's series after differencing them (resets and new series as a whole)", () => {
    const key = (route: string, pod: string) => seriesKey({ http_route: route, pod });
    const start = [
      { series: key('/a', '0'), value: 10 },
      { series: key('/a', '1'), value: 50 },
      { series: key('/b', '0'), value: 7 },
      { series: '{}', value: 0 },
    ];
    const end = [
      { series: key('/a', '0'), value: 15 },
      { series: key('/a', '1'), value: 3 }, // restarted: counted from 0
      { series: key('/b', '0'), value: 9 },
      { series: key('/c', '0'), value: 4 }, // new: counted from 0
      { series: '{}', value: 0 },
    ];
    expect(Object.fromEntries(increaseByRoute(start, end))).toEqual({ '/a': 8, '/b': 2, '/c': 4 });
    expect(
      increaseByRoute([{ series: '{a="1"}', value: 1 }], [{ series: '{a="1"}', value: 2 }]).size,
    ).toBe(0);
  });
});

describe('routeGroups: the routes judged apiece, the rest as "other"', () => {
  it('judges the routes above the floor on both sides and folds the others, a route new on the canary too', () => {
    const canary = routes({
      '/orders': [5000, 5],
      '/pay': [150, 1],
      '/admin': [60, 0],
      '/new': [70, 9],
    });
    const baseline = routes({ '/orders': [15000, 15], '/pay': [450, 0], '/admin': [180, 0] });
    const groups = routeGroups(canary, baseline, A);
    expect(groups.map((g) => g.route)).toEqual(['/orders', '/pay', OTHER_ROUTES]);
    expect(groups[2]).toEqual({
      route: OTHER_ROUTES,
      canary: { total: 130, bad: 9 },
      baseline: { total: 180, bad: 0 },
    });
  });

  it('keeps the busiest maxRoutes on the new version; "other" only above the floor', () => {
    const canary = routes({ '/a': [300, 0], '/b': [200, 0], '/c': [100, 0], '/d': [50, 0] });
    const baseline = routes({ '/a': [300, 0], '/b': [200, 0], '/c': [100, 0], '/d': [40, 0] });
    expect(routeGroups(canary, baseline, { ...A, maxRoutes: 2 }).map((g) => g.route)).toEqual([
      '/a',
      '/b',
      OTHER_ROUTES,
    ]);
    expect(routeGroups(canary, baseline, A).map((g) => g.route)).toEqual(['/a', '/b', '/c']);
  });

  it('bounds a label with 10,000 values: the busiest maxRoutes apiece, the rest in "other"', () => {
    const many = (scale: number) =>
      new Map(
        Array.from({ length: 10_000 }, (_, i): [string, Counts] => [
          `/item/${i}`,
          { total: scale * (10_000 - i), bad: 0 },
        ]),
      );
    const groups = routeGroups(many(1), many(3), A);
    expect(groups).toHaveLength(A.maxRoutes + 1);
    expect(groups.slice(0, 3).map((g) => g.route)).toEqual(['/item/0', '/item/1', '/item/2']);
    expect(groups.at(-1)!.route).toBe(OTHER_ROUTES);
    const judgedAlone = groups.slice(0, -1).reduce((n, g) => n + g.canary.total, 0);
    expect(judgedAlone + groups.at(-1)!.canary.total).toBe((10_000 * 10_001) / 2);
  });

  it('judges nothing apiece for one route, maxRoutes 0, or no route above the floor', () => {
    expect(routeGroups(routes({ '/a': [500, 0] }), routes({ '/a': [500, 0] }), A)).toEqual([]);
    const two = routes({ '/a': [500, 0], '/b': [500, 0] });
    expect(routeGroups(two, two, { ...A, maxRoutes: 0 })).toEqual([]);
    const small = routes({ '/a': [90, 0], '/b': [90, 0] });
    expect(routeGroups(small, small, A)).toEqual([]);
    // Policies snapshotted before the route parameters existed take the defaults.
    const old = Object.fromEntries(
      Object.entries(A).filter(([k]) => k !== 'maxRoutes' && k !== 'routeMinRequests'),
    ) as unknown as typeof A;
    expect(routeGroups(two, two, old).map((g) => g.route)).toEqual(['/a', '/b']);
  });
});

describe('holmRejected', () => {
  it('steps down from the smallest p-value and stops at the first one not below its level', () => {
    // m = 4 at alpha 0.05: 0.01 < 0.05/4, 0.015 < 0.05/3, then 0.03 ≥ 0.05/2 stops (0.04 not tried).
    expect(holmRejected([0.03, 0.01, 0.015, 0.04], 0.05)).toEqual([false, true, true, false]);
    expect(holmRejected([0.011, 0.5], 0.02)).toEqual([false, false]);
    expect(holmRejected([0.009, 0.5], 0.02)).toEqual([true, false]);
    expect(holmRejected([], 0.01)).toEqual([]);
  });
});

describe('judgeRoutes', () => {
  const sli = { name: 'errors', objective: 0.999 };

  it('names the route, and keeps a regression significant among the routes', () => {
    const groups = routeGroups(
      routes({ '/orders': [5000, 5], '/pay': [150, 75] }),
      routes({ '/orders': [15000, 15], '/pay': [450, 0] }),
      A,
    );
    const [orders, pay] = judgeRoutes(sli, groups, 'CONCURRENT', A);
    expect(orders).toMatchObject({
      name: 'errors /orders',
      route: '/orders',
      classification: 'PASS',
    });
    expect(pay).toMatchObject({ name: 'errors /pay', route: '/pay', classification: 'CRITICAL' });
    expect(pay.reason).toContain('significant among 2 routes (Holm–Bonferroni)');
  });

  it('passes a regression that is significant alone but not among the routes', () => {
    // 6 of 200 against 0 of 2,000: p = (200/2,200)^6 ≈ 5.6e-7, below 1e-5 alone, above 1e-5/20.
    const canary: Record<string, [number, number]> = { '/x': [200, 6] };
    const baseline: Record<string, [number, number]> = { '/x': [2000, 0] };
    for (let i = 0; i < 19; i++) {
      canary[`/r${i}`] = [200, 0];
      baseline[`/r${i}`] = [2000, 0];
    }
    const groups = routeGroups(routes(canary), routes(baseline), A);
    const alone = judgeRoutes(
      sli,
      groups.filter((g) => g.route === '/x'),
      'CONCURRENT',
      { ...A, alpha: 1e-5 },
    );
    expect(alone[0]).toMatchObject({ classification: 'REGRESSION', severity: 'SEVERE' });
    const among = judgeRoutes(sli, groups, 'CONCURRENT', { ...A, alpha: 1e-5 });
    const x = among.find((e) => e.route === '/x')!;
    expect(x.classification).toBe('PASS');
    expect(x.severity).toBeNull();
    expect(x.reason).toMatch(/^pass: not significant among 20 routes/);
  });

  it("shows a route's degraded baseline without making it the service's pre-existing incident", () => {
    const groups = routeGroups(
      routes({ '/a': [1000, 50], '/b': [1000, 1] }),
      routes({ '/a': [1000, 50], '/b': [1000, 1] }),
      A,
    );
    const [a] = judgeRoutes(sli, groups, 'CONCURRENT', A);
    expect(a.classification).toBe('PASS');
    expect(a.baselineDegraded).toBe(false);
    expect(a.reason).toContain('baseline already burning the budget');
  });
});
