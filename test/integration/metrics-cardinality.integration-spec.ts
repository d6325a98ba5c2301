import request from 'supertest';
import { DoraGaugesService } from '../../src/dora/dora-gauges.service.js';
import { DoraRefreshService } from '../../src/dora/dora-refresh.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Any INGEST token can name new services. An attacker's token creates 5,000 of them (one
 * deployment each, sent before the real services' events); /metrics stays bounded by
 * SHIPWATCH_METRICS_MAX_SERVICES (its default, 200) plus `other`, and once ranked, the series of
 * their own belong to the 200 services that actually deploy. Uncapped, these 5,200 services make
 * /metrics 1.56 MB (65 KB capped).
 */

const CAP = 200;
const ATTACKER_SERVICES = 5_000;
const BATCH = 1_000;
const INGEST = `mutation($events: [EventInput!]!) { ingestEvents(events: $events) { result } }`;

const activeService = (i: number) => `active-${String(i).padStart(3, '0')}`;

function deployment(service: string, n: number, at: Date): Record<string, unknown> {
  const id = `${service}-${n}`;
  return {
    deployment: {
      source: 'cardinality',
      eventId: id,
      deploymentId: id,
      service,
      environment: 'production',
      version: `1.0.${n}`,
      status: 'SUCCEEDED',
      startedAt: new Date(at.getTime() - 60_000).toISOString(),
      finishedAt: at.toISOString(),
    },
  };
}

/** The samples of /metrics that carry a `service` label, as [family, service] pairs. */
function serviceSamples(text: string): { family: string; service: string }[] {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .flatMap((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\bservice="((?:[^"\\]|\\.)*)"/.exec(line);
      return match ? [{ family: match[1], service: match[2] }] : [];
    });
}

describe('per-service series on /metrics', () => {
  let t: TestApp;
  let ingestToken: string;
  const metrics = async (): Promise<string> =>
    (await request(t.http).get('/metrics').expect(200)).text;

  async function send(events: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const res = await t.gql(INGEST, { events: events.slice(i, i + BATCH) }, ingestToken);
      const results = (res.data?.ingestEvents as { result: string }[] | undefined) ?? [];
      expect([res.errors, results.filter((r) => r.result !== 'ACCEPTED')]).toEqual([undefined, []]);
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST] }) { token } }',
    );
    ingestToken = (created.data!.createApiToken as { token: string }).token;
  });
  afterAll(async () => {
    await t.close();
  });

  it(`stay at most ${CAP} services plus "other" after ${ATTACKER_SERVICES} services, and go to the most active ones`, async () => {
    const now = new Date();
    const hourAgo = new Date(now.getTime() - 3600_000);
    const quiet = Buffer.byteLength(await metrics());
    // The attacker's services come first: they take every slot that is free.
    await send(
      Array.from({ length: ATTACKER_SERVICES }, (_, i) => deployment(`noise-${i}`, 1, hourAgo)),
    );
    // The real services deploy three times each.
    await send(
      Array.from({ length: CAP * 3 }, (_, i) =>
        deployment(activeService(i % CAP), Math.floor(i / CAP), hourAgo),
      ),
    );
    const before = serviceSamples(await metrics());
    expect(new Set(before.map((s) => s.service)).size).toBe(CAP + 1);

    // The minute's tick (DoraScheduler): facts folded in, services ranked, 30-day gauges.
    await t.app.get(DoraRefreshService).refresh();
    await t.app.get(DoraGaugesService).update(now);
    const text = await metrics();
    const samples = serviceSamples(text);
    const services = new Set(samples.map((s) => s.service));
    const active = Array.from({ length: CAP }, (_, i) => activeService(i));
    expect([...services].sort()).toEqual([...active, 'other'].sort());
    // The attacker's counter series went to `other`; a promoted service's counter starts with
    // its next deployment. 30-day gauges: one per active service; `other` only for the frequency
    // (a ratio of the rest cannot be derived); no lead or recovery times here.
    const families = [...new Set(samples.map((s) => s.family))];
    expect(
      Object.fromEntries(families.map((f) => [f, samples.filter((s) => s.family === f).length])),
    ).toEqual({
      shipwatch_deployments_total: 1,
      shipwatch_dora_deployment_frequency_30d: CAP + 1,
      shipwatch_dora_change_failure_rate_30d: CAP,
      shipwatch_dora_rework_rate_30d: CAP,
    });
    const size = Buffer.byteLength(text);
    // Measured on PostgreSQL: 25 KB quiet, 65 KB capped; 1.56 MB with the cap set to 100,000.
    expect(size - quiet).toBeLessThan(60_000);

    // The series keep counting: evicted services count under `other` from now on.
    const sample = (body: string, series: string) =>
      Number(
        body
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1] ?? 0,
      );
    const other =
      'shipwatch_deployments_total{service="other",environment="production",status="SUCCEEDED"}';
    const mine = `shipwatch_deployments_total{service="${activeService(7)}",environment="production",status="SUCCEEDED"}`;
    await send([deployment('noise-1', 2, now), deployment(activeService(7), 9, now)]);
    const after = await metrics();
    expect([
      sample(after, other) - sample(text, other),
      sample(after, mine) - sample(text, mine),
    ]).toEqual([1, 1]);
    expect(sample(text, 'shipwatch_dora_deployment_frequency_30d{service="other"}')).toBeCloseTo(
      ATTACKER_SERVICES / 30,
      9,
    );
  });
});
