import request from 'supertest';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { type CdeventFixture, cdeventFixture } from '../support/webhooks.js';

/**
 * CDEvents that complete each other across events: test suite and case runs total the pipeline
 * run of their chain, and a change.merged without a commit is recorded once another event of the
 * change names it. Driven by the CDEvents conformance examples (github.com/cdevents/spec,
 * conformance/*.json at v0.5.1 and v0.4.1, vendored in test/fixtures/cdevents): they share one
 * chain and one event id, so each scenario gives them a chain, subject and event ids of its own.
 */
describe('POST /cloudevents: CDEvents chains and change subjects', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.dataSource.query(sql, params);

  type Event = CdeventFixture['event'];
  /** A conformance example under its own event id, in a chain of the scenario's own. */
  function example(
    release: 'v0.5.1' | 'v0.4.1',
    name: string,
    scenario: string,
    edit: (e: Event & { context: Record<string, unknown> }) => void = () => {},
  ): Event {
    const event = structuredClone(cdeventFixture(release, name).event);
    event.context.id = `${scenario}-${name}`;
    if (event.context.chainId) event.context.chainId = `chain-${scenario}`;
    // subject ids are unique within their source: each scenario's runs are its own
    if (name.startsWith('pipelinerun')) event.subject.id = `run-${scenario}`;
    if (name.startsWith('testsuiterun')) event.subject.id = `suite-${scenario}`;
    if (name.startsWith('testcaserun')) event.subject.id = `case-${scenario}`;
    edit(event);
    return event;
  }

  const send = (event: Event) =>
    request(t.http)
      .post('/cloudevents')
      .set({
        Authorization: `Bearer ${ADMIN_TOKEN}`,
        'Content-Type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': event.context.id,
        'ce-source': event.context.source,
        'ce-type': event.context.type,
      })
      .send(JSON.stringify(event));

  const sendAll = async (events: Event[]) => {
    const results = [];
    for (const e of events) {
      const res = await send(e);
      results.push([res.status, res.body.result]);
    }
    return results;
  };

  const runTests = (scenario: string) =>
    rows(
      `SELECT tests_passed, tests_failed, tests_skipped, test_suites, tests_from_chain
         FROM pipeline_runs WHERE run_id = $1`,
      [`run-${scenario}`],
    );

  const TEST_EVENTS = [
    'testsuiterun_queued',
    'testsuiterun_started',
    'testcaserun_queued',
    'testcaserun_started',
    'testcaserun_finished',
    'testsuiterun_finished',
  ];
  /** Auth TestSuite failed without case results of its own; Login Test passed, in no suite. */
  const CONFORMANCE_TOTALS = {
    tests_passed: 1,
    tests_failed: 1,
    tests_skipped: 0,
    test_suites: [
      { name: 'Auth TestSuite', passed: 0, failed: 1, skipped: 0, durationSeconds: null },
    ],
    tests_from_chain: true,
  };

  it('totals the test results of a chain on its pipeline run, whichever side comes first', async () => {
    const runFirst = [
      'pipelinerun_queued',
      'pipelinerun_started',
      ...TEST_EVENTS,
      'pipelinerun_finished',
    ].map((n) => example('v0.5.1', n, 'in-order'));
    expect(await sendAll(runFirst)).toEqual(runFirst.map(() => [200, 'ACCEPTED']));
    expect(await runTests('in-order')).toEqual([CONFORMANCE_TOTALS]);
    const read = await t.gql(
      `{ pipelineRuns(source: "/event/source/123", first: 100) {
           edges { node { runId tests { passed failed skipped suites { name failed } } } } } }`,
    );
    const runs = read.data!.pipelineRuns as { edges: { node: { runId: string } }[] };
    expect(runs.edges.map((e) => e.node).find((n) => n.runId === 'run-in-order')).toEqual({
      runId: 'run-in-order',
      tests: { passed: 1, failed: 1, skipped: 0, suites: [{ name: 'Auth TestSuite', failed: 1 }] },
    });

    // v0.4.1 (pass/fail outcomes), the run's events last and backwards
    const testsFirst = [
      ...[...TEST_EVENTS].reverse(),
      'pipelinerun_finished',
      'pipelinerun_started',
    ].map((n) => example('v0.4.1', n, 'reversed'));
    const [finished] = testsFirst;
    expect(finished.context.type).toBe('dev.cdevents.testsuiterun.finished.0.2.0');
    expect(await sendAll(testsFirst)).toEqual(testsFirst.map(() => [200, 'ACCEPTED']));
    expect(await runTests('reversed')).toEqual([CONFORMANCE_TOTALS]);
    expect(
      await rows(`SELECT status, outcome FROM pipeline_runs WHERE run_id = 'run-reversed'`),
    ).toEqual([{ status: 'FINISHED', outcome: 'FAILURE' }]);
  });

  it('counts a redelivered or repeated result once', async () => {
    const events = ['pipelinerun_started', ...TEST_EVENTS].map((n) =>
      example('v0.5.1', n, 'redelivery'),
    );
    await sendAll(events);
    const caseFinished = events.find((e) => e.context.type.includes('testcaserun.finished'))!;
    const again = await send(caseFinished);
    expect([again.status, again.body.result]).toEqual([200, 'DUPLICATE']);
    // the same case run reported finished again under another event id
    const repeat = await send({
      ...caseFinished,
      context: { ...caseFinished.context, id: 'redelivery-case-again' },
    });
    expect([repeat.status, repeat.body.result]).toEqual([200, 'ACCEPTED']);
    expect(await runTests('redelivery')).toEqual([CONFORMANCE_TOTALS]);
    expect(
      await rows(
        `SELECT level, count(*)::int AS n FROM test_results WHERE chain_id = 'chain-redelivery'
          GROUP BY level ORDER BY level`,
      ),
    ).toEqual([
      { level: 'CASE', n: 1 },
      { level: 'SUITE', n: 1 },
    ]);
  });

  it('counts the cases of a suite run once, skipped ones included', async () => {
    const inSuite = (e: Event) => {
      (e.subject.content as Record<string, unknown>).testSuiteRun = {
        id: 'suite-suite',
        source: '/event/source/123',
      };
    };
    const events = [
      example('v0.5.1', 'pipelinerun_finished', 'suite'),
      example('v0.5.1', 'testsuiterun_finished', 'suite'),
      example('v0.5.1', 'testcaserun_finished', 'suite', inSuite),
      // the vendor's skipped example names no chain: given the scenario's
      example('v0.5.1', 'testcaserun_skipped', 'suite', (e) => {
        e.context.chainId = 'chain-suite';
        e.subject.id = 'skipped-case-suite';
        (e.subject.content as Record<string, unknown>).testSuiteRun = { id: 'suite-suite' };
      }),
    ];
    expect(await sendAll(events)).toEqual(events.map(() => [200, 'ACCEPTED']));
    expect(await runTests('suite')).toEqual([
      {
        tests_passed: 1,
        tests_failed: 0,
        tests_skipped: 1,
        test_suites: [
          { name: 'Auth TestSuite', passed: 1, failed: 0, skipped: 1, durationSeconds: null },
        ],
        tests_from_chain: true,
      },
    ]);
  });

  it('keeps totals sent with the run (GraphQL recordPipelineRun tests) before those of its chain', async () => {
    await sendAll(
      ['pipelinerun_started', 'testcaserun_finished'].map((n) => example('v0.5.1', n, 'explicit')),
    );
    expect(await runTests('explicit')).toMatchObject([{ tests_passed: 1, tests_from_chain: true }]);
    const recorded = await t.gql(
      `mutation { recordPipelineRun(input: {
         source: "/event/source/123", eventId: "explicit-graphql", runId: "run-explicit",
         pipelineName: "myPipeline", status: FINISHED, outcome: SUCCESS,
         occurredAt: "2023-03-20T14:28:00Z",
         tests: { passed: 40, failed: 2, skipped: 1 } }) { result } }`,
    );
    expect(recorded.data).toEqual({ recordPipelineRun: { result: 'ACCEPTED' } });
    await send(example('v0.5.1', 'testsuiterun_finished', 'explicit'));
    expect(await runTests('explicit')).toEqual([
      {
        tests_passed: 40,
        tests_failed: 2,
        tests_skipped: 1,
        test_suites: [],
        tests_from_chain: false,
      },
    ]);
  });

  it('stores a test result that names no chain with a note, and one of an unknown chain until its run comes', async () => {
    const skipped = example('v0.5.1', 'testcaserun_skipped', 'no-chain');
    expect(skipped.context.chainId).toBeUndefined();
    const stored = await send(skipped);
    expect([stored.status, stored.body.result]).toEqual([202, 'ACCEPTED']);
    expect(stored.body.note).toContain('names no chain');
    expect(
      await rows(`SELECT 1 FROM test_results WHERE result_id = $1`, [skipped.subject.id]),
    ).toEqual([]);

    const orphan = example('v0.5.1', 'testcaserun_finished', 'orphan');
    expect((await send(orphan)).status).toBe(200);
    expect(await rows(`SELECT outcome FROM test_results WHERE chain_id = 'chain-orphan'`)).toEqual([
      { outcome: 'PASSED' },
    ]);
    expect(await runTests('orphan')).toEqual([]);
    await send(example('v0.5.1', 'pipelinerun_started', 'orphan'));
    expect(await runTests('orphan')).toEqual([
      {
        tests_passed: 1,
        tests_failed: 0,
        tests_skipped: 0,
        test_suites: [],
        tests_from_chain: true,
      },
    ]);
  });

  it('refuses bad test results with 400 and stores nothing of them', async () => {
    const before = await rows(`SELECT count(*)::int AS n FROM raw_events`);
    const badOutcome = example('v0.5.1', 'testcaserun_finished', 'bad', (e) => {
      (e.subject.content as Record<string, unknown>).outcome = 'pass'; // v0.4's word, not v0.5's
    });
    const refused = await send(badOutcome);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('MALFORMED_PAYLOAD');
    const longChain = example('v0.5.1', 'testsuiterun_finished', 'bad', (e) => {
      e.context.chainId = 'x'.repeat(300);
    });
    const rejected = await send(longChain);
    expect(rejected.status).toBe(400);
    expect(JSON.stringify(rejected.body)).toContain('chainId');
    // a batch with one bad event stores none of it
    const good = example('v0.5.1', 'testsuiterun_finished', 'bad-batch');
    const batch = await request(t.http)
      .post('/cloudevents')
      .set({
        Authorization: `Bearer ${ADMIN_TOKEN}`,
        'Content-Type': 'application/cloudevents-batch+json',
      })
      .send(
        JSON.stringify(
          [good, longChain].map((e) => ({
            specversion: '1.0',
            id: e.context.id,
            source: e.context.source,
            type: e.context.type,
            data: e,
          })),
        ),
      );
    expect(batch.status).toBe(400);
    expect(await rows(`SELECT count(*)::int AS n FROM raw_events`)).toEqual(before);
    expect(
      await rows(`SELECT 1 FROM test_results WHERE chain_id IN ('chain-bad', 'chain-bad-batch')`),
    ).toEqual([]);
  });

  const merges = (id: string) =>
    rows(
      `SELECT repository, sha, pull_request_id, pr_merged_at FROM changes
        WHERE pull_request_id = $1 ORDER BY sha`,
      [id],
    );

  it('records a change.merged without a commit on the commit another event of the change names, in either order', async () => {
    const commitOf = (sha: string) => (e: Event & { context: Record<string, unknown> }) => {
      e.customData = { commitSha: sha };
      e.customDataContentType = 'application/json';
    };
    const subject = (id: string) => (e: Event) => {
      e.subject.id = id;
    };
    const merged = example('v0.5.1', 'change_merged', 'merge-first', subject('change-1'));
    const first = await send(merged);
    expect([first.status, first.body.result]).toEqual([200, 'ACCEPTED']);
    expect(await merges('change-1')).toEqual([]);
    const created = example('v0.5.1', 'change_created', 'merge-first', (e) => {
      subject('change-1')(e);
      commitOf('0a1b2c3d4e5f60718293a4b5c6d7e8f901234567')(e);
    });
    expect((await send(created)).status).toBe(200);
    const expected = (id: string, sha = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567') => [
      {
        repository: 'TestRepo/TestOrg',
        sha,
        pull_request_id: id,
        pr_merged_at: new Date(merged.context.timestamp),
      },
    ];
    expect(await merges('change-1')).toEqual(expected('change-1'));

    // the commit first (change.updated, v0.4.1; its SHA upper-case), then the merge, redelivered
    const SHA2 = '1b2c3d4e5f60718293a4b5c6d7e8f90123456789';
    const updated = example('v0.4.1', 'change_updated', 'sha-first', (e) => {
      subject('change-2')(e);
      commitOf('1B2C3D4E5F60718293A4B5C6D7E8F90123456789')(e);
    });
    expect((await send(updated)).status).toBe(200);
    expect(await merges('change-2')).toEqual([]);
    const merged2 = example('v0.4.1', 'change_merged', 'sha-first', subject('change-2'));
    expect((await send(merged2)).status).toBe(200);
    expect(await merges('change-2')).toEqual(expected('change-2', SHA2));
    expect((await send(merged2)).body.result).toBe('DUPLICATE');
    expect(await merges('change-2')).toEqual(expected('change-2', SHA2));

    // a change of another source with the same subject id is another change
    const elsewhere = example('v0.5.1', 'change_merged', 'elsewhere', (e) => {
      subject('change-2')(e);
      e.context.source = '/another/source';
      e.subject.source = '/another/source';
    });
    expect((await send(elsewhere)).status).toBe(200);
    expect(await merges('change-2')).toEqual(expected('change-2', SHA2));
    expect(
      await rows(
        `SELECT source, commit_sha FROM change_subjects WHERE change_id = 'change-2' ORDER BY source`,
      ),
    ).toEqual([
      { source: '/another/source', commit_sha: null },
      { source: '/event/source/123', commit_sha: SHA2 },
    ]);
  });

  it('stores a change event that names neither a merge nor a commit with a note', async () => {
    const reviewed = example('v0.5.1', 'change_reviewed', 'note');
    const res = await send(reviewed);
    expect([res.status, res.body.result]).toEqual([202, 'ACCEPTED']);
    expect(res.body.note).toContain('customData.commitSha');
    const bad = example('v0.5.1', 'change_created', 'bad-sha', (e) => {
      e.customData = { commitSha: 'not-a-sha' };
    });
    const stored = await send(bad);
    // a customData commitSha that is no SHA is no commit: stored with the note
    expect([stored.status, stored.body.result]).toEqual([202, 'ACCEPTED']);
    expect(await rows(`SELECT 1 FROM change_subjects WHERE change_id = 'mySubject123'`)).toEqual(
      [],
    );
  });
});
