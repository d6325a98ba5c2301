import { askGate, lockedReasons } from '../support/gate.js';
import { ADMIN_TOKEN, resetData, startTestApp, type TestApp } from '../support/test-app.js';

const LOCK = `mutation($input: DeployLockInput!) { lockDeployments(input: $input) {
  id scope service namespace environment reason lockedBy lockedByName until releasedAt active } }`;
const UNLOCK = `mutation($id: ID!) { unlockDeployments(id: $id) { id releasedAt releasedBy active } }`;
const LOCKS = `query($active: Boolean, $first: Int) { deployLocks(active: $active, first: $first) { id scope active } }`;

describe('deploy locks and the gate', () => {
  let t: TestApp;
  let sre: string;
  let reader: string;

  const token = async (name: string, scope: string): Promise<string> => {
    const res = await t.gql(
      `mutation { createApiToken(input: { name: "${name}", scopes: [${scope}] }) { token } }`,
      undefined,
      ADMIN_TOKEN,
    );
    return (res.data!.createApiToken as { token: string }).token;
  };
  const gate = (service: string, environment: string) => askGate(t, reader, service, environment);
  const locked = (service: string, environment: string) =>
    lockedReasons(t, reader, service, environment);
  const lock = async (input: Record<string, unknown>, as = sre) => t.gql(LOCK, { input }, as);

  beforeAll(async () => {
    t = await startTestApp();
    await resetData(t.db);
    sre = await token('on-call sre', 'TRIAGE');
    reader = await token('ci reader', 'READ');
  });
  afterAll(async () => {
    await t.close();
  });

  it('a service lock denies that service in its environment only, names who and why, and unlocking lifts it', async () => {
    const res = await lock({ service: 'cart', environment: 'production', reason: 'INC-7 open' });
    expect(res.errors).toBeUndefined();
    const taken = res.data!.lockDeployments as { id: string };
    expect(taken).toMatchObject({
      scope: 'SERVICE',
      service: 'cart',
      namespace: '',
      environment: 'production',
      reason: 'INC-7 open',
      lockedByName: 'on-call sre',
      lockedBy: expect.stringMatching(/^token:\d+$/) as string,
      until: null,
      releasedAt: null,
      active: true,
    });
    expect(await gate('cart', 'production')).toMatchObject({ decision: 'DENY' });
    expect(await locked('cart', 'production')).toEqual([
      {
        code: 'LOCKED',
        level: 'DENY',
        message: 'cart in production is locked by on-call sre: INC-7 open',
      },
    ]);
    expect(await locked('cart', 'staging')).toEqual([]);
    expect(await locked('web', 'production')).toEqual([]);

    const listed = await t.gql(LOCKS, {}, reader);
    expect(listed.data!.deployLocks).toEqual([{ id: taken.id, scope: 'SERVICE', active: true }]);

    const released = await t.gql(UNLOCK, { id: taken.id }, sre);
    expect(released.data!.unlockDeployments).toMatchObject({
      id: taken.id,
      active: false,
      releasedBy: expect.stringMatching(/^token:\d+$/) as string,
    });
    expect(await locked('cart', 'production')).toEqual([]);
    // Unlocking again answers the lock as it is; the history keeps it.
    const again = await t.gql(UNLOCK, { id: taken.id }, sre);
    expect(again.data!.unlockDeployments).toEqual(released.data!.unlockDeployments);
    expect((await t.gql(LOCKS, {}, reader)).data!.deployLocks).toEqual([]);
    expect((await t.gql(LOCKS, { active: false }, reader)).data!.deployLocks).toEqual([
      { id: taken.id, scope: 'SERVICE', active: false },
    ]);
  });

  it('an environment lock covers every service there; a lock on everything covers every deployment', async () => {
    const env = await lock({ environment: 'staging', reason: 'load test' });
    expect(env.data!.lockDeployments).toMatchObject({ scope: 'ENVIRONMENT', service: null });
    expect(await locked('web', 'staging')).toHaveLength(1);
    expect(await locked('web', 'production')).toEqual([]);
    const all = await lock({ reason: 'Black Friday freeze' });
    expect(all.data!.lockDeployments).toMatchObject({ scope: 'EVERYTHING', environment: null });
    expect((await locked('web', 'production')).map((r) => r.message)).toEqual([
      'every deployment is locked by on-call sre: Black Friday freeze',
    ]);
    expect(await locked('web', 'staging')).toHaveLength(2);
    for (const l of [env, all])
      await t.gql(UNLOCK, { id: (l.data!.lockDeployments as { id: string }).id }, sre);
    expect(await locked('web', 'staging')).toEqual([]);
  });

  it('a lock with until lapses by itself', async () => {
    const until = new Date(Date.now() + 1500);
    const res = await lock({ service: 'cart', reason: 'migration', until: until.toISOString() });
    expect(res.errors).toBeUndefined();
    expect((await locked('cart', 'production'))[0]?.message).toBe(
      `cart is locked by on-call sre until ${until.toISOString()}: migration`,
    );
    const deadline = Date.now() + 10_000;
    while ((await locked('cart', 'production')).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(Date.now()).toBeGreaterThanOrEqual(until.getTime());
    expect(await locked('cart', 'production')).toEqual([]);
    expect((await t.gql(LOCKS, { active: false }, reader)).data!.deployLocks).toContainEqual({
      id: (res.data!.lockDeployments as { id: string }).id,
      scope: 'SERVICE',
      active: false,
    });
  });

  it.each([
    ['a blank reason', 'BAD_USER_INPUT', { service: 'cart', reason: ' ' }],
    [
      'until in the past',
      'BAD_USER_INPUT',
      { service: 'cart', reason: 'r', until: '2020-01-01T00:00:00Z' },
    ],
    ['a namespace without a service', 'BAD_USER_INPUT', { namespace: 'shop', reason: 'r' }],
    ['a NUL byte in the reason', 'BAD_USER_INPUT', { service: 'cart', reason: 'bad\u0000byte' }],
    [
      'a reason of 1,001 characters',
      'BAD_USER_INPUT',
      { service: 'cart', reason: 'x'.repeat(1001) },
    ],
  ])('refuses %s with %s and stores nothing', async (_case, code, input) => {
    const before = (await t.gql(LOCKS, { active: false }, reader)).data!.deployLocks as unknown[];
    const res = await lock(input);
    expect(res.errors?.[0].extensions?.code).toBe(code);
    expect((await t.gql(LOCKS, { active: false }, reader)).data!.deployLocks).toHaveLength(
      before.length,
    );
  });

  it('needs the triage scope to lock or unlock, and names an unknown lock', async () => {
    expect((await lock({ reason: 'r' }, reader)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(UNLOCK, { id: '1' }, reader)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    for (const id of ['999999', 'abc', '-1'])
      expect((await t.gql(UNLOCK, { id }, sre)).errors?.[0].extensions?.code).toBe(
        'LOCK_NOT_FOUND',
      );
    expect((await t.gql(LOCKS, { first: 0 }, reader)).errors?.[0].extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});
