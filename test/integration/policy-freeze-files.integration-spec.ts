/**
 * Freeze windows in policy files (kind: FreezeWindow) through applyVerificationPolicyFiles, with a
 * real Prometheus checking the policies beside them: after an apply, deploymentGate answers DENY
 * (FREEZE) inside the window; windows are matched by name, a changed one replaced (the old one
 * kept, deleted, for the history); prune deletes only windows from files, never one a person
 * made; a bad cron, an unknown zone or a name given twice is refused naming the file, and an
 * apply is one transaction with the policies.
 */
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

const APPLY = `mutation($input: ApplyVerificationPolicyFilesInput!) {
  applyVerificationPolicyFiles(input: $input) {
    saved deleted changes { file kind name service environment status differences { field before after } }
  }
}`;
const GATE = `query($service: String!, $environment: String!) {
  deploymentGate(service: $service, environment: $environment) { decision reasons { code message } } }`;
const WINDOWS = `{ freezeWindows(deleted: true) { name durationMinutes deletedAt deletedBy createdBy managedBy current { start } } }`;

interface Plan {
  saved: number;
  deleted: number;
  changes: {
    file: string | null;
    kind: string;
    name: string;
    service: string;
    environment: string;
    status: string;
    differences: { field: string; before: string | null; after: string | null }[];
  }[];
}
interface Window {
  name: string;
  durationMinutes: number;
  deletedAt: string | null;
  deletedBy: string | null;
  createdBy: string;
  managedBy: string | null;
  current: { start: string } | null;
}

const policy = (service: string, extra = '') => ({
  name: `${service}.production.yaml`,
  content: `service: ${service}\nenvironment: production\n${extra}`,
});
/** Every minute for `minutes`: frozen at any time. */
const freeze = (
  name: string,
  service: string,
  extra = 'cron: "* * * * *"\ndurationMinutes: 60\n',
) => ({
  name: `freeze.${name}.yaml`,
  content: `kind: FreezeWindow\nname: ${name}\nservice: ${service}\nenvironment: production\ntimeZone: Europe/Berlin\nreason: release freeze\n${extra}`,
});
/** A daily window of an hour, 12 hours from now: never open during the test. */
const later = (name: string, service: string) =>
  freeze(
    name,
    service,
    `cron: "0 ${(new Date().getUTCHours() + 12) % 24} * * *"\ndurationMinutes: 60\n`,
  );

describe('freeze window files through GraphQL', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;

  const apply = async (input: Record<string, unknown>) => {
    const res = await t.gql(APPLY, { input });
    return { plan: res.data?.applyVerificationPolicyFiles as Plan | undefined, errors: res.errors };
  };
  const windows = async (): Promise<Window[]> => {
    const res = await t.gql(WINDOWS);
    expect(res.errors).toBeUndefined();
    return (res.data!.freezeWindows as Window[]).sort(
      (a, b) => a.name.localeCompare(b.name) || Number(!a.deletedAt) - Number(!b.deletedAt),
    );
  };
  const policies = async (): Promise<string[]> => {
    const res = await t.gql(`{ verificationPolicies { service mode } }`);
    expect(res.errors).toBeUndefined();
    return (res.data!.verificationPolicies as { service: string; mode: string }[])
      .map((p) => `${p.service}:${p.mode}`)
      .sort();
  };
  const gate = async (service: string) => {
    const res = await t.gql(GATE, { service, environment: 'production' });
    expect(res.errors).toBeUndefined();
    return res.data!.deploymentGate as {
      decision: string;
      reasons: { code: string; message: string }[];
    };
  };
  const BASELINE = [
    policy('cart'),
    freeze('checkout-freeze', 'checkout'),
    later('search-night', 'search'),
  ];

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [] });
    t = await startTestApp({ PROMETHEUS_URL: prometheus.url });
  });
  beforeEach(async () => {
    await resetData(t.db);
  });
  afterAll(async () => {
    if (t) await dropTrigger(t);
    await t?.close();
    await prometheus?.stop();
  });

  it('applies windows beside policies: the gate DENYs with FREEZE inside a window, and a second apply changes nothing', async () => {
    expect((await gate('checkout')).reasons.map((r) => r.code)).not.toContain('FREEZE');
    const { plan, errors } = await apply({ files: BASELINE });
    expect(errors).toBeUndefined();
    expect(plan!.saved).toBe(3);
    expect(plan!.changes.map((c) => [c.kind, c.name, c.file, c.service, c.status])).toEqual([
      ['VERIFICATION_POLICY', 'cart in production', 'cart.production.yaml', 'cart', 'ADDED'],
      ['FREEZE_WINDOW', 'checkout-freeze', 'freeze.checkout-freeze.yaml', 'checkout', 'ADDED'],
      ['FREEZE_WINDOW', 'search-night', 'freeze.search-night.yaml', 'search', 'ADDED'],
    ]);

    const checkout = await gate('checkout');
    expect(checkout.decision).toBe('DENY');
    expect(checkout.reasons).toContainEqual({
      code: 'FREEZE',
      message: expect.stringContaining('checkout-freeze') as string,
    });
    expect((await gate('search')).reasons.map((r) => r.code)).not.toContain('FREEZE');
    expect(await windows()).toEqual([
      expect.objectContaining({
        name: 'checkout-freeze',
        managedBy: 'files',
        deletedAt: null,
        createdBy: 'bootstrap',
      }),
      expect.objectContaining({ name: 'search-night', managedBy: 'files', current: null }),
    ]);

    const again = await apply({ files: BASELINE });
    expect(again.plan!.saved).toBe(0);
    expect(again.plan!.changes.map((c) => c.status)).toEqual([
      'UNCHANGED',
      'UNCHANGED',
      'UNCHANGED',
    ]);
    expect(await windows()).toHaveLength(2);
  });

  it('replaces a changed window (the old one kept, deleted) and prunes only windows from files', async () => {
    await apply({ files: BASELINE });
    const adHoc = await t.gql(
      `mutation($input: FreezeWindowInput!) { createFreezeWindow(input: $input) { id managedBy } }`,
      {
        input: {
          name: 'ad-hoc',
          environment: 'production',
          cron: '0 3 * * *',
          durationMinutes: 30,
          timeZone: 'UTC',
          reason: 'db maintenance',
        },
      },
    );
    expect(adHoc.data!.createFreezeWindow).toMatchObject({ managedBy: null });

    const dry = await apply({
      files: [
        policy('cart'),
        freeze('checkout-freeze', 'checkout', 'cron: "* * * * *"\ndurationMinutes: 120\n'),
      ],
      prune: true,
      dryRun: true,
    });
    expect(dry.plan!.changes.map((c) => [c.kind, c.name, c.status, c.differences])).toEqual([
      ['VERIFICATION_POLICY', 'cart in production', 'UNCHANGED', []],
      [
        'FREEZE_WINDOW',
        'checkout-freeze',
        'CHANGED',
        [{ field: 'durationMinutes', before: '60', after: '120' }],
      ],
      ['FREEZE_WINDOW', 'search-night', 'DELETED', []],
    ]);
    expect(await windows()).toHaveLength(3);

    const { plan } = await apply({
      files: [
        policy('cart'),
        freeze('checkout-freeze', 'checkout', 'cron: "* * * * *"\ndurationMinutes: 120\n'),
      ],
      prune: true,
    });
    expect(plan).toMatchObject({ saved: 1, deleted: 1 });
    expect(await windows()).toEqual([
      expect.objectContaining({ name: 'ad-hoc', managedBy: null, deletedAt: null }),
      expect.objectContaining({
        name: 'checkout-freeze',
        durationMinutes: 60,
        deletedBy: 'bootstrap',
      }),
      expect.objectContaining({ name: 'checkout-freeze', durationMinutes: 120, deletedAt: null }),
      expect.objectContaining({ name: 'search-night', deletedAt: expect.any(String) as string }),
    ]);
    expect((await gate('checkout')).decision).toBe('DENY');
  });

  it.each([
    [
      'an invalid cron',
      freeze('bad', 'cart', 'cron: "0 25 * * *"\ndurationMinutes: 60\n'),
      /freeze\.bad\.yaml:\d+: cron: cron "0 25 \* \* \*"/,
    ],
    [
      'an unknown time zone',
      {
        ...later('bad', 'cart'),
        content: later('bad', 'cart').content.replace('Europe/Berlin', 'Europe/Atlantis'),
      },
      /freeze\.bad\.yaml:\d+: timeZone: timeZone "Europe\/Atlantis" is not an IANA time zone/,
    ],
    [
      'a name given twice',
      { ...later('checkout-freeze', 'cart'), name: 'other.yaml' },
      /other\.yaml: name: freeze window "checkout-freeze" is also the window of freeze\.checkout-freeze\.yaml/,
    ],
  ])('refuses %s naming the file, and stores nothing', async (_, bad, message) => {
    const { errors } = await apply({ files: [...BASELINE, bad] });
    expect(errors?.[0].extensions?.code).toBe('INVALID_POLICY_FILE');
    expect(errors?.[0].message).toMatch(message);
    expect(await windows()).toEqual([]);
    expect(await policies()).toEqual([]);
  });

  it('is one transaction with the policies: a failure creating the last window undoes everything', async () => {
    await apply({ files: BASELINE });
    // The worker's database outlives this file (on PostgreSQL): the trigger and its function
    // (named for this file) go whatever happens, or later files could not insert a window.
    await t.db.dataSource.query(`
      CREATE OR REPLACE FUNCTION refuse_boom_window() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'boom' THEN RAISE EXCEPTION 'the disk is full'; END IF;
        RETURN NEW;
      END $$`);
    await t.db.dataSource.query(
      'CREATE TRIGGER refuse_boom BEFORE INSERT ON freeze_windows FOR EACH ROW EXECUTE FUNCTION refuse_boom_window()',
    );
    const before = await windows();
    // saves cart, deletes and recreates checkout-freeze, deletes search-night, then boom fails
    const { plan, errors } = await apply({
      files: [
        policy('cart', 'mode: ENFORCE\n'),
        freeze('checkout-freeze', 'checkout', 'cron: "* * * * *"\ndurationMinutes: 90\n'),
        later('boom', 'cart'),
      ],
      prune: true,
    }).finally(() => dropTrigger(t));
    expect(plan).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(await windows()).toEqual(before);
    expect(await policies()).toEqual(['cart:ADVISE']);
  });
});

async function dropTrigger(app: TestApp): Promise<void> {
  await app.db.dataSource.query('DROP TRIGGER IF EXISTS refuse_boom ON freeze_windows');
  await app.db.dataSource.query('DROP FUNCTION IF EXISTS refuse_boom_window()');
}
