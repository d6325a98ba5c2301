import type { ChangeEvent, DeploymentEvent } from '../../src/ingestion/domain-events.js';
import { IngestionService } from '../../src/ingestion/ingestion.service.js';
import { RefCache } from '../../src/ingestion/ref-cache.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

const sha = (n: number) => n.toString(16).padStart(40, '0');
const day = (d: number, h = 10) => new Date(Date.UTC(2025, 5, d, h));
let seq = 0;

function deploy(n: number, overrides: Partial<DeploymentEvent> = {}): DeploymentEvent {
  return {
    type: 'deployment',
    envelope: { source: 'ci', eventId: `deploy-${n}-${++seq}`, occurredAt: day(n) },
    deploymentId: `d${n}`,
    service: { name: 'shop', repository: 'acme/shop' },
    environment: { name: 'production' },
    commitSha: sha(n),
    status: 'SUCCEEDED',
    finishedAt: day(n),
    ...overrides,
  };
}

/** A push of commits from..to (inclusive) whose first parent is `before`, committed an hour apart on day `d`. */
function push(
  before: number,
  shas: number[],
  d: number,
  overrides: Partial<ChangeEvent> = {},
): ChangeEvent {
  return {
    type: 'change',
    envelope: {
      source: 'github',
      eventId: `push-${shas.join('-')}-${++seq}`,
      occurredAt: day(d, 12),
    },
    repository: 'acme/shop',
    before: sha(before),
    commits: shas.map((s, i) => ({ sha: sha(s), committedAt: day(d, i) })),
    ...overrides,
  };
}

/** Deploy commit 3, roll back to commit 2, then roll forward to commit 4 (a child of 3). */
const rollbackHistory = (): (DeploymentEvent | ChangeEvent)[] => [
  deploy(1),
  push(1, [2, 3], 2),
  deploy(3),
  deploy(4, { commitSha: sha(2), kind: 'ROLLBACK', commits: [{ sha: sha(2) }] }),
  push(3, [4], 5),
  deploy(6, { commitSha: sha(4) }),
];

interface Row {
  external_id: string;
  changeset_status: string;
  changeset_note: string | null;
  missing: string | null;
  predecessor: string | null;
  changes: { sha: string; lead: number | null; reason: string | null }[];
}

describe('changesets of successful production deployments', () => {
  let t: TestApp;
  let ingestion: IngestionService;

  beforeAll(async () => {
    t = await startTestApp();
    ingestion = t.app.get(IngestionService);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await resetData(t.db);
    t.app.get(RefCache).clear(); // the rows it remembers are gone
  });

  const ingest = async (...events: (DeploymentEvent | ChangeEvent)[]) => {
    for (const e of events) {
      const outcome = await ingestion.ingest(e, 'cli', {});
      expect(outcome.errors).toEqual([]);
    }
  };

  const changesets = async (): Promise<Record<string, Row>> => {
    const rows = await t.db.dataSource.query<Row[]>(`
      SELECT d.external_id, d.changeset_status, d.changeset_note, d.changeset_missing_sha AS missing, p.external_id AS predecessor,
        COALESCE((SELECT json_agg(json_build_object('sha', c.sha, 'lead', dc.lead_time_seconds, 'reason', dc.excluded_reason) ORDER BY c.sha)
                  FROM deployment_changes dc JOIN changes c ON c.id = dc.change_id WHERE dc.deployment_id = d.id), '[]') AS changes
      FROM deployments d LEFT JOIN deployments p ON p.id = d.predecessor_id`);
    return Object.fromEntries(rows.map((r) => [r.external_id, r]));
  };
  const hours = (h: number) => h * 3600;

  it('gives a seed deployment its changes without lead times (NO_PREDECESSOR)', async () => {
    await ingest(deploy(1));
    const { d1 } = await changesets();
    expect(d1).toMatchObject({
      changeset_status: 'UNKNOWN',
      changeset_note: expect.stringContaining('NO_PREDECESSOR'),
      predecessor: null,
      changes: [{ sha: sha(1), lead: null, reason: 'NO_PREDECESSOR' }],
    });
  });

  it('takes the changes from the pushes between the previous deployment and this one', async () => {
    await ingest(deploy(1), push(1, [2, 3], 2), deploy(3, { finishedAt: day(3, 10) }));
    const { d3 } = await changesets();
    expect(d3).toEqual({
      external_id: 'd3',
      changeset_status: 'FROM_PUSHES',
      changeset_note: null,
      missing: null,
      predecessor: 'd1',
      changes: [
        { sha: sha(2), lead: hours(24 + 10), reason: null },
        { sha: sha(3), lead: hours(24 + 9), reason: null },
      ],
    });
  });

  it('takes the changes listed on the event, preferring the pull request’s first commit', async () => {
    await ingest(
      deploy(1),
      {
        type: 'change',
        envelope: { source: 'github', eventId: 'pr-7' },
        repository: 'acme/shop',
        commits: [],
        pullRequest: {
          id: '7',
          firstCommitAt: day(1, 12),
          mergedAt: day(2),
          mergeCommitSha: sha(20),
        },
      },
      deploy(3, { commits: [{ sha: sha(20) }, { sha: sha(21), authoredAt: day(3, 9) }] }),
    );
    const { d3 } = await changesets();
    expect(d3).toMatchObject({
      changeset_status: 'FROM_EVENT',
      changes: [
        { sha: sha(20), lead: hours(24 + 22), reason: null },
        { sha: sha(21), lead: hours(1), reason: null },
      ],
    });
  });

  it('excludes rollbacks and changes already deployed by an earlier deployment', async () => {
    await ingest(...rollbackHistory());
    const { d4, d6 } = await changesets();
    expect(d4).toMatchObject({
      changeset_status: 'FROM_EVENT',
      changes: [{ sha: sha(2), lead: null, reason: 'ROLLBACK_DEPLOYMENT' }],
    });
    expect(d6).toMatchObject({
      changeset_status: 'FROM_PUSHES',
      predecessor: 'd4',
      changes: [
        { sha: sha(3), lead: null, reason: 'ALREADY_DEPLOYED' },
        { sha: sha(4), lead: hours(24 + 10), reason: null },
      ],
    });
  });

  it('computes a history delivered in one batch, in any order, as it does event by event', async () => {
    // Several deployments of one service computed in one pass: a later one's ALREADY_DEPLOYED
    // comes from a changeset computed in the same pass, not yet stored.
    const history = () => [
      ...rollbackHistory(),
      push(4, [5, 6], 6),
      deploy(7, { commitSha: sha(6) }),
    ];
    await ingest(...history());
    const oneByOne = await changesets();
    expect(oneByOne.d6.changes.map((c) => c.reason)).toEqual(['ALREADY_DEPLOYED', null]);
    for (const order of [history(), history().reverse()]) {
      await resetData(t.db);
      t.app.get(RefCache).clear();
      const outcomes = await ingestion.ingestBatch(
        order.map((event) => ({ event, payload: {} })),
        'cli',
      );
      expect(outcomes.map((o) => o.result)).toEqual(order.map(() => 'ACCEPTED'));
      expect(await changesets()).toEqual(oneByOne);
    }
  });

  it('marks changes without a start time and with a start after the finish', async () => {
    await ingest(
      deploy(1),
      deploy(3, { commits: [{ sha: sha(30) }, { sha: sha(31), committedAt: day(4) }] }),
    );
    const { d3 } = await changesets();
    expect(d3.changes).toEqual([
      { sha: sha(30), lead: null, reason: 'NO_START_TIME' },
      { sha: sha(31), lead: null, reason: 'NEGATIVE' },
    ]);
  });

  it('records why when the commits are unknown, and completes them when the push arrives late', async () => {
    await ingest(deploy(1), deploy(3), deploy(5, { commitSha: undefined }));
    const first = await changesets();
    const { d5 } = first;
    let { d3 } = first;
    expect(d3).toMatchObject({
      changeset_status: 'UNKNOWN',
      changeset_note: expect.stringContaining('not known from pushes'),
      missing: sha(3),
      changes: [],
    });
    expect(d5).toMatchObject({
      changeset_status: 'UNKNOWN',
      changeset_note: expect.stringContaining('neither its commits nor its commit SHA'),
    });
    await ingest(push(1, [2, 3], 2));
    ({ d3 } = await changesets());
    expect(d3).toMatchObject({
      changeset_status: 'FROM_PUSHES',
      changes: [{ sha: sha(2) }, { sha: sha(3) }],
    });
  });

  it('waits for the very commit where the chain broke', async () => {
    await ingest(deploy(1), push(2, [3], 2), deploy(3));
    expect((await changesets()).d3).toMatchObject({ changeset_status: 'UNKNOWN', missing: sha(2) });
    await ingest(push(7, [8], 2)); // an unrelated push changes nothing
    expect((await changesets()).d3).toMatchObject({ changeset_status: 'UNKNOWN', missing: sha(2) });
    await ingest(push(1, [2], 2));
    expect((await changesets()).d3).toMatchObject({
      changeset_status: 'FROM_PUSHES',
      missing: null,
      changes: [{ sha: sha(2) }, { sha: sha(3) }],
    });
  });

  it('recomputes later deployments when an earlier one arrives late', async () => {
    await ingest(push(1, [2, 3], 2), deploy(3), deploy(1));
    const { d1, d3 } = await changesets();
    expect(d1).toMatchObject({ changeset_status: 'UNKNOWN', predecessor: null });
    expect(d3).toMatchObject({
      changeset_status: 'FROM_PUSHES',
      predecessor: 'd1',
      changes: [{ sha: sha(2) }, { sha: sha(3) }],
    });
  });

  it('refreshes a lead time when a commit time arrives late', async () => {
    await ingest(deploy(1), deploy(3, { commits: [{ sha: sha(30) }] }));
    expect((await changesets()).d3.changes).toEqual([
      { sha: sha(30), lead: null, reason: 'NO_START_TIME' },
    ]);
    await ingest(push(29, [30], 2));
    expect((await changesets()).d3.changes).toEqual([
      { sha: sha(30), lead: hours(24 + 10), reason: null },
    ]);
  });

  it('leaves deployments that did not reach production users PENDING', async () => {
    await ingest(
      deploy(1),
      deploy(2, { environment: { name: 'staging' } }),
      deploy(3, { status: 'FAILED' }),
    );
    const { d2, d3 } = await changesets();
    expect(d2).toMatchObject({ changeset_status: 'PENDING', changes: [] });
    expect(d3).toMatchObject({ changeset_status: 'PENDING', changes: [] });
  });
});
