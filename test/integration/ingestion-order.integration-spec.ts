import fc from 'fast-check';
import type { DomainEvent } from '../../src/ingestion/domain-events.js';
import { IngestionService } from '../../src/ingestion/ingestion.service.js';
import { RefCache } from '../../src/ingestion/ref-cache.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Order independence: any permutation of an event set, with duplicates (redeliveries and
 * re-sent facts under new ids), sent one by one or in batches, ends in the same stored state as
 * the events in their natural order.
 */

const sha = (n: number) => n.toString(16).padStart(40, '0');
const at = (day: number, minute = 0) => new Date(Date.UTC(2025, 5, day, 10, minute));

interface Scenario {
  readonly outcomes: ('SUCCEEDED' | 'FAILED' | 'ROLLED_BACK')[];
  readonly withCommits: boolean[];
  readonly runOutcome: 'SUCCESS' | 'FAILURE';
  readonly retried: boolean;
}

function events(s: Scenario): DomainEvent[] {
  const list: DomainEvent[] = [];
  let id = 0;
  const env = (occurredAt: Date) => ({ source: 'ci', eventId: `e${++id}`, occurredAt });
  // pushes: commits 1..8 in a line, two per push
  for (let p = 0; p < 4; p++) {
    list.push({
      type: 'change',
      envelope: env(at(p + 1, 5)),
      repository: 'acme/shop',
      before: sha(p * 2),
      commits: [1, 2].map((k) => ({ sha: sha(p * 2 + k), committedAt: at(p + 1, k) })),
    });
  }
  // production deployments of commits 2, 4, 6, 8 (day 1..4), a staging one
  s.outcomes.forEach((outcome, i) => {
    const day = i + 1;
    const base = {
      type: 'deployment' as const,
      deploymentId: `d${day}`,
      service: { name: 'shop', team: 'payments', repository: 'acme/shop' },
      environment: { name: 'production' },
      version: `1.${day}.0`,
      commitSha: sha(day * 2),
      kind: day === 4 ? ('HOTFIX' as const) : undefined,
      remediates: day === 4 ? [{ kind: 'DEPLOYMENT' as const, id: 'd3' }] : undefined,
      commits: s.withCommits[i] ? [{ sha: sha(day * 2 - 1) }, { sha: sha(day * 2) }] : undefined,
      pipelineRun: { id: `run-${day}` },
    };
    list.push({ ...base, envelope: env(at(day, 10)), status: 'QUEUED' });
    list.push({
      ...base,
      envelope: env(at(day, 20)),
      status: 'IN_PROGRESS',
      startedAt: at(day, 20),
    });
    const terminal = outcome === 'FAILED' ? 'FAILED' : 'SUCCEEDED';
    list.push({
      ...base,
      envelope: env(at(day, 40)),
      status: terminal,
      startedAt: at(day, 20),
      finishedAt: at(day, 40),
    });
    if (outcome === 'ROLLED_BACK')
      list.push({ ...base, envelope: env(at(day, 50)), status: 'ROLLED_BACK' });
  });
  list.push({
    type: 'deployment',
    envelope: env(at(2, 30)),
    deploymentId: 'stg-1',
    service: { name: 'shop' },
    environment: { name: 'staging' },
    status: 'SUCCEEDED',
    commitSha: sha(3),
  });
  // a pipeline run, retried as attempt 2
  for (const attempt of s.retried ? [1, 2] : [1]) {
    const base = {
      type: 'pipelineRun' as const,
      runId: 'run-1',
      attempt,
      pipelineName: 'ci',
      commitSha: sha(2),
    };
    list.push({
      ...base,
      envelope: env(at(1, attempt)),
      status: 'QUEUED',
      queuedAt: at(1, attempt),
    });
    list.push({
      ...base,
      envelope: env(at(1, attempt + 1)),
      status: 'RUNNING',
      startedAt: at(1, attempt + 1),
    });
    list.push({
      ...base,
      envelope: env(at(1, attempt + 5)),
      status: 'FINISHED',
      outcome: attempt === 1 && s.retried ? 'FAILURE' : s.runOutcome,
      finishedAt: at(1, attempt + 5),
      tests: {
        passed: 10,
        failed: attempt,
        skipped: 0,
        suites: [{ name: 'unit', passed: 10, failed: attempt, skipped: 0 }],
      },
    });
  }
  // an incident caused by d3
  const incident = {
    type: 'incident' as const,
    incidentId: 'INC-1',
    services: [{ name: 'shop' }],
    causedBy: [{ id: 'd3' }],
  };
  list.push({
    ...incident,
    envelope: env(at(3, 45)),
    detectedAt: at(3, 45),
    impactStartedAt: at(3, 42),
    severity: 'SEV2',
  });
  list.push({
    ...incident,
    envelope: env(at(3, 55)),
    environment: { name: 'production' },
    mitigatedAt: at(3, 55),
  });
  list.push({
    ...incident,
    envelope: env(at(4, 0)),
    resolvedAt: at(4, 0),
    title: 'checkout errors',
  });
  return list;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  outcomes: fc.array(
    fc.constantFrom('SUCCEEDED' as const, 'FAILED' as const, 'ROLLED_BACK' as const),
    { minLength: 4, maxLength: 4 },
  ),
  withCommits: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  runOutcome: fc.constantFrom('SUCCESS' as const, 'FAILURE' as const),
  retried: fc.boolean(),
});

describe('ingestion is order independent', () => {
  let t: TestApp;
  let ingestion: IngestionService;

  beforeAll(async () => {
    t = await startTestApp();
    ingestion = t.app.get(IngestionService);
  });
  afterAll(async () => {
    await t.close();
  });

  const snapshot = async (): Promise<unknown> => {
    const q = (sql: string) => t.db.dataSource.query<unknown[]>(sql);
    return {
      deployments: await q(`
        SELECT d.source, d.external_id, s.name AS service, e.name AS environment, d.version, d.commit_sha, d.commit_shas,
               d.status, d.kind, d.started_at, d.finished_at, d.pipeline_run_external_id, d.changeset_status,
               d.changeset_note, d.changeset_missing_sha, p.external_id AS predecessor, d.status_at, d.last_event_at
        FROM deployments d JOIN services s ON s.id = d.service_id JOIN environments e ON e.id = d.environment_id
        LEFT JOIN deployments p ON p.id = d.predecessor_id ORDER BY d.external_id`),
      deploymentChanges: await q(`
        SELECT d.external_id, c.sha, dc.lead_time_seconds, dc.excluded_reason FROM deployment_changes dc
        JOIN deployments d ON d.id = dc.deployment_id JOIN changes c ON c.id = dc.change_id ORDER BY 1, 2`),
      remediations: await q(`
        SELECT d.external_id, r.target_kind, r.target_source, r.target_external_id FROM deployment_remediations r
        JOIN deployments d ON d.id = r.deployment_id ORDER BY 1, 2, 3, 4`),
      changes: await q(
        `SELECT repository, sha, parent_sha, committed_at, pushed_at FROM changes ORDER BY sha`,
      ),
      runs: await q(`
        SELECT source, run_id, attempt, pipeline_name, commit_sha, status, outcome, queued_at, started_at, finished_at,
               tests_passed, tests_failed, tests_skipped, test_suites, status_at, last_event_at
        FROM pipeline_runs ORDER BY run_id, attempt`),
      incidents: await q(`
        SELECT i.external_id, e.name AS environment, i.title, i.severity, i.impact_started_at, i.detected_at,
               i.mitigated_at, i.resolved_at, i.last_event_at,
               (SELECT array_agg(s.name ORDER BY s.name) FROM incident_services x JOIN services s ON s.id = x.service_id WHERE x.incident_id = i.id) AS services,
               (SELECT array_agg(c.deployment_external_id ORDER BY 1) FROM incident_causes c WHERE c.incident_id = i.id) AS causes
        FROM incidents i LEFT JOIN environments e ON e.id = i.environment_id ORDER BY 1`),
      services: await q(`SELECT name, namespace, team, repository FROM services ORDER BY name`),
      environments: await q(`SELECT name, tier FROM environments ORDER BY name`),
      rawEvents: await q(`SELECT count(*)::int AS n FROM raw_events`),
    };
  };

  it('ends in the same state for any order, duplication and batching of the events', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario.chain((s) => {
          const list = events(s);
          const redelivered = fc.subarray(list, { maxLength: 6 });
          // the same fact sent again under a new event id
          const resent = fc.subarray(list, { maxLength: 4 }).map((es) =>
            es.map((e, i) => ({
              ...e,
              envelope: { ...e.envelope, eventId: `again-${i}-${e.envelope.eventId}` },
            })),
          );
          return fc.record({
            list: fc.constant(list),
            shuffled: fc.tuple(redelivered, resent).chain(([r, a]) =>
              fc.shuffledSubarray([...list, ...r, ...a], {
                minLength: list.length + r.length + a.length,
              }),
            ),
            batchSizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }),
          });
        }),
        async ({ list, shuffled, batchSizes }) => {
          await resetData(t.db);
          t.app.get(RefCache).clear(); // the rows it remembers are gone
          for (const e of list) {
            const outcome = await ingestion.ingest(e, 'cli', {});
            expect(outcome.result).toBe('ACCEPTED');
          }
          const expected = await snapshot();

          await resetData(t.db);
          t.app.get(RefCache).clear(); // the rows it remembers are gone
          let offset = 0;
          for (let i = 0; offset < shuffled.length; i++) {
            const size = batchSizes[i % batchSizes.length];
            const batch = shuffled.slice(offset, offset + size);
            offset += size;
            if (batch.length === 1) await ingestion.ingest(batch[0], 'cli', {});
            else
              await ingestion.ingestBatch(
                batch.map((event) => ({ event, payload: {} })),
                'graphql',
              );
          }
          const actual = (await snapshot()) as { rawEvents: unknown };
          expect({ ...actual, rawEvents: null }).toEqual({
            ...(expected as object),
            rawEvents: null,
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});
