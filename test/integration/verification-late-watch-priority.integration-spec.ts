/**
 * Late checks never delay a verification tick: the scheduler's pass runs the due ticks first and
 * late checks only with what is left of VERIFICATION_MAX_RUNNING_PER_REPLICA, and a due late check
 * never shows in the oldest-due-tick lag (ShipwatchVerificationStalled). Real app, real
 * Prometheus (empty: every reading is no data), the scheduler's own pass on the wall clock.
 */
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { VerificationRepository } from '../../src/verification/verification.repository.js';
import { VerificationScheduler } from '../../src/verification/verification.scheduler.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(120_000);

const DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result entityId } }`;

describe('the late watch runs after the ticks of a pass', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [] });
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      VERIFICATION_MAX_RUNNING_PER_REPLICA: '1',
    });
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
    await prometheus?.stop();
  });

  const deploy = async (service: string): Promise<string> => {
    const res = await t.gql(DEPLOYMENT, {
      input: {
        source: 'ci',
        eventId: service,
        deploymentId: service,
        service,
        environment: 'production',
        status: 'SUCCEEDED',
        version: '2.0.0',
        previousVersion: '1.9.0',
        finishedAt: new Date(Date.now() - 120_000).toISOString(),
      },
    });
    return (res.data!.recordDeployment as { entityId: string }).entityId;
  };
  const verificationOf = async (deploymentId: string) =>
    (
      await ds.query<{ id: string; tick_count: number }[]>(
        `SELECT id, tick_count FROM release_verifications WHERE deployment_id = $1`,
        [deploymentId],
      )
    )[0];
  const checks = async (verificationId: string) =>
    (
      await ds.query<{ checks: number }[]>(
        `SELECT checks FROM verification_late_watches WHERE verification_id = $1`,
        [verificationId],
      )
    )[0].checks;

  it('spends a full pass on a tick, and checks the late watch in the next pass', async () => {
    // `ticking` has a due tick; `watched` ended HEALTHY and its late check is due as well
    const ticking = await deploy('ticking');
    const watched = (await verificationOf(await deploy('watched'))).id;
    await ds.query(
      `UPDATE release_verifications SET state = 'HEALTHY', next_tick_at = NULL WHERE id = $1`,
      [watched],
    );
    await ds.query(
      `INSERT INTO verification_late_watches (verification_id, state, watch_until, next_check_at, started_at)
       VALUES ($1, 'WATCHING', now() + interval '1 hour', now() - interval '1 second', now())`,
      [watched],
    );
    const lag = () => t.app.get(VerificationRepository).oldestDueTickLagSeconds(new Date());
    expect(await lag()).toBeGreaterThan(0);

    const scheduler = t.app.get(VerificationScheduler);
    await scheduler.everySecond();
    // the pass's one slot went to the tick; the late check waits
    expect((await verificationOf(ticking)).tick_count).toBe(1);
    expect(await checks(watched)).toBe(0);

    // no tick is due any more (the next one is 30 s away) and the due late check is not counted
    // as a due tick; the next pass checks the late watch
    expect(await lag()).toBe(0);
    await scheduler.everySecond();
    expect(await checks(watched)).toBe(1);
    expect((await verificationOf(ticking)).tick_count).toBe(1);
  });
});
