import { DEMO_SERVICES, generateHistory } from './history.generator.js';

const now = new Date('2026-03-02T12:00:00Z');

describe('generateHistory', () => {
  const history = generateHistory({ now, seed: 7 });
  const kinds = (e: Record<string, unknown>) => Object.keys(e)[0];
  const field = (e: Record<string, unknown>) => Object.values(e)[0] as Record<string, unknown>;

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateHistory({ now, seed: 7 })).toEqual(history);
    expect(generateHistory({ now, seed: 8 }).events).not.toEqual(history.events);
  });

  it('covers 90 days of every service, in time order, ending before the quiet hours', () => {
    const times = history.events.map((e) => Date.parse(field(e).occurredAt as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(now.getTime() - Math.max(...times)).toBeGreaterThanOrEqual(3 * 3_600_000);
    expect(now.getTime() - Math.min(...times)).toBeGreaterThan(85 * 86_400_000);
    const deployed = new Set(
      history.events.filter((e) => kinds(e) === 'deployment').map((e) => field(e).service),
    );
    expect(deployed).toEqual(new Set(DEMO_SERVICES.map((s) => s.name)));
  });

  it('has a realistic mix: about two deployments a weekday for checkout, failures, incidents and repairs', () => {
    const { counts } = history;
    expect(counts.deployments).toBeGreaterThan(200);
    expect(counts.deployments).toBeLessThan(500);
    expect(counts.incidents).toBeGreaterThan(5);
    const deployments = history.events.filter((e) => kinds(e) === 'deployment').map(field);
    const repairs = deployments.filter((d) => d.kind === 'HOTFIX' || d.kind === 'ROLLBACK');
    expect(repairs.length).toBe(counts.incidents);
    const failedRuns = history.events
      .filter((e) => kinds(e) === 'pipelineRun')
      .map(field)
      .filter((r) => r.outcome === 'FAILURE');
    expect(failedRuns.length).toBeGreaterThan(5);
    // A rollback goes back to the version before the bad one.
    for (const rollback of deployments.filter((d) => d.kind === 'ROLLBACK')) {
      const bad = deployments.find(
        (d) => d.deploymentId === (rollback.remediates as { id: string }[])[0].id,
      )!;
      expect(rollback.version).toBe(bad.previousVersion);
    }
  });

  it('gives every event a unique (source, eventId) and hexadecimal commit SHAs', () => {
    const ids = history.events.map((e) => `${String(field(e).source)}/${String(field(e).eventId)}`);
    expect(new Set(ids).size).toBe(ids.length);
    const shas = history.events.flatMap((e) => {
      const f = field(e);
      return [
        f.commitSha,
        ...((f.commits as { sha: string }[] | undefined) ?? []).map((c) => c.sha),
      ];
    });
    for (const sha of shas.filter((s) => s !== undefined)) expect(sha).toMatch(/^[0-9a-f]{40}$/);
  });
});
