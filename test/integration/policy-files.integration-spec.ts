/**
 * applyVerificationPolicyFiles through GraphQL with a real Prometheus checking every query:
 * `prune` deletes the stored policies no file names (listed DELETED, kept without it, refused
 * with no file at all), and an apply is one transaction: a database failure on its last save
 * leaves the server as it was (the earlier saves and the deletions rolled back). Rollback targets
 * in files give their secret by reference to an environment variable of the server: stored as
 * the reference, read at verdict time, refused when the server lacks it or the file is inline.
 */
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-process.js';
import { VerificationPolicyService } from '../../src/verification/verification-policy.service.js';
import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

const APPLY = `mutation($input: ApplyVerificationPolicyFilesInput!) {
  applyVerificationPolicyFiles(input: $input) {
    dryRun saved deleted changes { file service environment status }
  }
}`;

interface Plan {
  dryRun: boolean;
  saved: number;
  deleted: number;
  changes: { file: string | null; service: string; environment: string; status: string }[];
}

const file = (service: string, extra = '') => ({
  name: `${service}.production.yaml`,
  content: `service: ${service}\nenvironment: production\n${extra}`,
});

const SECRET_VARIABLE = 'PF_TEST_ROLLBACK_TOKEN';
const TOKEN = 'glptt-the-token-value-0123';
const targetFile = (service: string, env = SECRET_VARIABLE) =>
  file(
    service,
    `rollbackTarget:\n  kind: GITLAB_PIPELINE_TRIGGER\n  apiUrl: https://gitlab.example.com/api/v4\n  projectId: "42"\n  ref: main\n  tokenFrom:\n    env: ${env}\n`,
  );

describe('verification policy files through GraphQL', () => {
  let prometheus: RunningPrometheus;
  let t: TestApp;

  const apply = async (input: Record<string, unknown>) => {
    const res = await t.gql(APPLY, { input });
    return { plan: res.data?.applyVerificationPolicyFiles as Plan | undefined, errors: res.errors };
  };
  const stored = async (): Promise<string[]> => {
    const res = await t.gql(`{ verificationPolicies { service mode } }`);
    expect(res.errors).toBeUndefined();
    return (res.data!.verificationPolicies as { service: string; mode: string }[]).map(
      (p) => `${p.service}:${p.mode}`,
    );
  };

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [] });
    t = await startTestApp({
      PROMETHEUS_URL: prometheus.url,
      SHIPWATCH_OUTBOUND_ALLOWED_HOSTS: 'deploy.example.com,gitlab.example.com',
    });
  });
  beforeEach(async () => {
    await resetData(t.db);
    const { errors } = await apply({ files: [file('cart'), file('search'), file('orders')] });
    if (errors) throw new Error(JSON.stringify(errors));
  });
  afterAll(async () => {
    delete process.env[SECRET_VARIABLE];
    if (t) await dropTrigger(t);
    await t?.close();
    await prometheus?.stop();
  });

  it('keeps the policies no file names without prune, and says so', async () => {
    const { plan } = await apply({ files: [file('cart')] });
    expect(plan).toMatchObject({ saved: 0, deleted: 0 });
    expect(plan!.changes.map((c) => [c.service, c.status])).toEqual([
      ['cart', 'UNCHANGED'],
      ['orders', 'NOT_IN_FILES'],
      ['search', 'NOT_IN_FILES'],
    ]);
    expect(await stored()).toEqual(['cart:ADVISE', 'orders:ADVISE', 'search:ADVISE']);
  });

  it('shows the deletions of prune in a dry run, then deletes them with the saves', async () => {
    const files = [file('cart', 'mode: ENFORCE\n'), file('search')];
    const dry = await apply({ files, prune: true, dryRun: true });
    expect(dry.plan).toMatchObject({ dryRun: true, saved: 0, deleted: 0 });
    expect(dry.plan!.changes.map((c) => [c.service, c.file, c.status])).toEqual([
      ['cart', 'cart.production.yaml', 'CHANGED'],
      ['search', 'search.production.yaml', 'UNCHANGED'],
      ['orders', null, 'DELETED'],
    ]);
    expect(await stored()).toEqual(['cart:ADVISE', 'orders:ADVISE', 'search:ADVISE']);

    const run = await apply({ files, prune: true });
    expect(run.plan).toMatchObject({ dryRun: false, saved: 1, deleted: 1 });
    expect(await stored()).toEqual(['cart:ENFORCE', 'search:ADVISE']);
    const again = await apply({ files, prune: true });
    expect(again.plan).toMatchObject({ saved: 0, deleted: 0 });
  });

  it('refuses to prune with no file at all (PRUNE_WITHOUT_FILES), deleting nothing', async () => {
    for (const dryRun of [true, false]) {
      const { plan, errors } = await apply({ files: [], prune: true, dryRun });
      expect(plan).toBeUndefined();
      expect(errors?.[0].extensions?.code).toBe('PRUNE_WITHOUT_FILES');
    }
    expect(await stored()).toHaveLength(3);
  });

  it('refuses a file breaking the schema before pruning anything', async () => {
    const { errors } = await apply({
      files: [file('cart', 'bake: 5m\n')],
      prune: true,
    });
    expect(errors?.[0].extensions?.code).toBe('INVALID_POLICY_FILE');
    expect(await stored()).toHaveLength(3);
  });

  it('is all or nothing: a database failure on the last deletion undoes the saves and the other deletion', async () => {
    // The worker's database outlives this file (on PostgreSQL): the trigger and its function
    // (named for this file) go whatever happens, or later files could not delete a policy.
    await t.db.dataSource.query(`
      CREATE OR REPLACE FUNCTION refuse_boom_policy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.service = 'search' THEN RAISE EXCEPTION 'the disk is full'; END IF;
        RETURN OLD;
      END $$`);
    await t.db.dataSource.query(
      'CREATE TRIGGER refuse_boom BEFORE DELETE ON verification_policies FOR EACH ROW EXECUTE FUNCTION refuse_boom_policy()',
    );
    // saves cart and new, deletes orders, then search fails
    const { plan, errors } = await apply({
      files: [file('cart', 'mode: ENFORCE\n'), file('new')],
      prune: true,
    }).finally(() => dropTrigger(t));
    expect(plan).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(await stored()).toEqual(['cart:ADVISE', 'orders:ADVISE', 'search:ADVISE']);
  });

  describe('rollback targets with secrets by reference', () => {
    afterEach(() => {
      delete process.env[SECRET_VARIABLE];
    });
    const targets = async () => {
      const res = await t.gql(
        `{ verificationPolicies(service: "cart") { rollbackTarget { kind url projectId ref secretFromEnv } } }`,
      );
      expect(res.errors).toBeUndefined();
      return (res.data!.verificationPolicies as { rollbackTarget: unknown }[])[0].rollbackTarget;
    };

    it('refuses a reference to a variable the server does not have, naming the file and field', async () => {
      const { errors } = await apply({ files: [targetFile('cart'), file('new')] });
      expect(errors?.[0].extensions?.code).toBe('SECRET_ENV_NOT_SET');
      expect(errors?.[0].message).toBe(
        `cart.production.yaml: rollbackTarget.tokenFrom.env: the environment variable ${SECRET_VARIABLE} is not set on the Shipwatch server`,
      );
      expect(errors?.[0].extensions).toMatchObject({
        file: 'cart.production.yaml',
        field: 'rollbackTarget.tokenFrom.env',
      });
      expect(await stored()).toEqual(['cart:ADVISE', 'orders:ADVISE', 'search:ADVISE']);
      expect(await targets()).toBeNull();
    });

    it("refuses an inline secret and a variable of Shipwatch's own configuration", async () => {
      const inline = await apply({
        files: [
          file(
            'cart',
            `rollbackTarget:\n  kind: GITLAB_PIPELINE_TRIGGER\n  projectId: "42"\n  ref: main\n  token: ${TOKEN}\n`,
          ),
        ],
      });
      expect(inline.errors?.[0].extensions?.code).toBe('INVALID_POLICY_FILE');
      expect(inline.errors?.[0].message).toContain(
        'cart.production.yaml:7: rollbackTarget.token: inline secrets are refused in files',
      );
      expect(JSON.stringify(inline.errors)).not.toContain(TOKEN);
      const own = await apply({ files: [targetFile('cart', 'SHIPWATCH_BOOTSTRAP_TOKEN')] });
      expect(own.errors?.[0].extensions?.code).toBe('INVALID_ROLLBACK_TARGET');
      expect(own.errors?.[0].message).toContain(
        "SHIPWATCH_BOOTSTRAP_TOKEN is a variable of Shipwatch's own configuration",
      );
      expect(await targets()).toBeNull();
    });

    it('stores the reference, never the value, reads the value at verdict time, and keeps an unnamed target', async () => {
      process.env[SECRET_VARIABLE] = TOKEN;
      const first = await apply({ files: [targetFile('cart')] });
      expect(first.errors).toBeUndefined();
      expect(first.plan).toMatchObject({ saved: 1 });
      expect(await targets()).toEqual({
        kind: 'GITLAB_PIPELINE_TRIGGER',
        url: 'https://gitlab.example.com/api/v4',
        projectId: '42',
        ref: 'main',
        secretFromEnv: SECRET_VARIABLE,
      });
      const rows: { id: string; rollbackTarget: unknown }[] = await t.db.dataSource.query(
        `SELECT id, rollback_target AS "rollbackTarget" FROM verification_policies WHERE service = 'cart'`,
      );
      expect(JSON.stringify(rows[0].rollbackTarget)).not.toContain(TOKEN);
      const policies = t.app.get(VerificationPolicyService);
      expect(await policies.rollbackTarget(t.db.dataSource.manager, String(rows[0].id))).toEqual({
        kind: 'GITLAB_PIPELINE_TRIGGER',
        apiUrl: 'https://gitlab.example.com/api/v4',
        projectId: '42',
        ref: 'main',
        tokenFrom: { env: SECRET_VARIABLE },
        token: TOKEN,
      });

      // the same file again: nothing to save; a file without the target keeps it
      expect((await apply({ files: [targetFile('cart')] })).plan).toMatchObject({ saved: 0 });
      const without = await apply({ files: [file('cart')] });
      expect(without.plan).toMatchObject({ saved: 0 });
      expect(await targets()).toMatchObject({ secretFromEnv: SECRET_VARIABLE });

      // another variable: a change, shown by name only
      process.env.PF_TEST_OTHER_TOKEN = 'another-token-value';
      try {
        const other = await t.gql(
          `mutation($input: ApplyVerificationPolicyFilesInput!) { applyVerificationPolicyFiles(input: $input) { changes { status differences { field before after } } } }`,
          { input: { files: [targetFile('cart', 'PF_TEST_OTHER_TOKEN')], dryRun: true } },
        );
        expect(other.data!.applyVerificationPolicyFiles).toEqual({
          changes: expect.arrayContaining([
            {
              status: 'CHANGED',
              differences: [
                {
                  field: 'rollbackTarget.tokenFrom.env',
                  before: JSON.stringify(SECRET_VARIABLE),
                  after: '"PF_TEST_OTHER_TOKEN"',
                },
              ],
            },
          ]),
        });
      } finally {
        delete process.env.PF_TEST_OTHER_TOKEN;
      }

      // the variable gone at verdict time: no token, and the outbox would refuse the target
      delete process.env[SECRET_VARIABLE];
      expect(
        await policies.rollbackTarget(t.db.dataSource.manager, String(rows[0].id)),
      ).not.toHaveProperty('token');
    });

    it('takes a reference through saveVerificationPolicy too', async () => {
      const save = (env: string) =>
        t.gql(
          `mutation($input: SaveVerificationPolicyInput!) { saveVerificationPolicy(input: $input) { rollbackTarget { kind secretFromEnv } } }`,
          {
            input: {
              service: 'cart',
              environment: 'production',
              rollbackTarget: {
                kind: 'WEBHOOK',
                url: 'https://deploy.example.com/rollback',
                secretFrom: { env },
              },
            },
          },
        );
      const refused = await save(SECRET_VARIABLE);
      expect(refused.errors?.[0].extensions?.code).toBe('SECRET_ENV_NOT_SET');
      process.env[SECRET_VARIABLE] = 'a-webhook-secret-of-32-characters';
      const saved = await save(SECRET_VARIABLE);
      expect(saved.errors).toBeUndefined();
      expect(saved.data!.saveVerificationPolicy).toEqual({
        rollbackTarget: { kind: 'WEBHOOK', secretFromEnv: SECRET_VARIABLE },
      });
    });
  });
});

async function dropTrigger(app: TestApp): Promise<void> {
  await app.db.dataSource.query('DROP TRIGGER IF EXISTS refuse_boom ON verification_policies');
  await app.db.dataSource.query('DROP FUNCTION IF EXISTS refuse_boom_policy()');
}
