import { ADMIN_TOKEN, resetData, startTestApp, type TestApp } from '../support/test-app.js';

const FIELDS = `id name scope service namespace environment cron timeZone durationMinutes reason
  createdBy createdByName activeFrom activeUntil deletedAt deletedBy current { start end }`;
const CREATE = `mutation($input: FreezeWindowInput!) { createFreezeWindow(input: $input) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteFreezeWindow(id: $id) { id deletedAt deletedBy current { start } } }`;
const GATE = `query($service: String!, $environment: String!) {
  deploymentGate(service: $service, environment: $environment) { decision reasons { code level message } } }`;
const WINDOWS = `query($deleted: Boolean, $first: Int) { freezeWindows(deleted: $deleted, first: $first) { id name current { start end } } }`;

interface Window {
  id: string;
  name: string;
  current: { start: string; end: string } | null;
}

/** A daily cron at the hour 12 hours from now (UTC): a window of an hour is never open now. */
const farFromNow = (): string => `0 ${(new Date().getUTCHours() + 12) % 24} * * *`;
/** A daily cron at the last hour but one (UTC): a window of 6 hours opened there is open for 4 more. */
const openNow = (): string => `0 ${(new Date().getUTCHours() + 23) % 24} * * *`;

describe('freeze windows through GraphQL', () => {
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
  const create = async (input: Record<string, unknown>, as = sre) =>
    t.gql(CREATE, { input: { timeZone: 'UTC', reason: 'nobody on call', ...input } }, as);
  const windows = async (deleted = false): Promise<Window[]> => {
    const res = await t.gql(WINDOWS, { deleted }, reader);
    expect(res.errors).toBeUndefined();
    return res.data!.freezeWindows as Window[];
  };

  const frozen = async (service: string, environment: string) => {
    const res = await t.gql(GATE, { service, environment }, reader);
    expect(res.errors).toBeUndefined();
    const gate = res.data!.deploymentGate as {
      decision: string;
      reasons: { code: string; level: string; message: string }[];
    };
    return gate.reasons.filter((r) => r.code === 'FREEZE');
  };

  beforeAll(async () => {
    t = await startTestApp();
    await resetData(t.db);
    sre = await token('release manager', 'TRIAGE');
    reader = await token('ci reader', 'READ');
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates overlapping windows, each reported with its occurrence in force, and deletes one', async () => {
    const always = await create({
      name: 'always',
      environment: 'production',
      cron: '* * * * *',
      durationMinutes: 60,
    });
    expect(always.errors).toBeUndefined();
    const a = always.data!.createFreezeWindow as Window & Record<string, unknown>;
    expect(a).toMatchObject({
      name: 'always',
      scope: 'ENVIRONMENT',
      service: null,
      namespace: '',
      environment: 'production',
      cron: '* * * * *',
      timeZone: 'UTC',
      durationMinutes: 60,
      reason: 'nobody on call',
      createdByName: 'release manager',
      createdBy: expect.stringMatching(/^token:\d+$/) as string,
      activeFrom: null,
      activeUntil: null,
      deletedAt: null,
    });
    expect(a.current).not.toBeNull();
    // The same minutes, overlapping: no error, both stored and in force.
    const overlap = await create({
      name: 'overlap',
      service: 'cart',
      cron: '*/5 * * * *',
      durationMinutes: 30,
      timeZone: 'Europe/Berlin',
    });
    expect(overlap.errors).toBeUndefined();
    const b = overlap.data!.createFreezeWindow as Window;
    expect(b).toMatchObject({ scope: 'SERVICE', service: 'cart', environment: null });
    const later = await create({ name: 'later', cron: farFromNow(), durationMinutes: 60 });
    const c = later.data!.createFreezeWindow as Window;
    expect(c.current).toBeNull();

    expect((await windows()).map((w) => [w.name, w.current !== null])).toEqual([
      ['later', false],
      ['overlap', true],
      ['always', true],
    ]);

    const deleted = await t.gql(DELETE, { id: b.id }, sre);
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data!.deleteFreezeWindow).toMatchObject({
      id: b.id,
      deletedBy: expect.stringMatching(/^token:\d+$/) as string,
      current: null,
    });
    // Deleting again answers the window as it is; the history keeps it.
    const again = await t.gql(DELETE, { id: b.id }, sre);
    expect(again.data!.deleteFreezeWindow).toEqual(deleted.data!.deleteFreezeWindow);
    expect((await windows()).map((w) => w.name)).toEqual(['later', 'always']);
    expect((await windows(true)).map((w) => w.name)).toEqual(['later', 'overlap', 'always']);
    for (const w of [a, c]) await t.gql(DELETE, { id: w.id }, sre);
  });

  it('the gate denies with FREEZE what an open window covers, and allows outside it', async () => {
    const open = await create({
      name: 'Release train',
      service: 'cart',
      environment: 'production',
      cron: openNow(),
      durationMinutes: 360,
    });
    expect(open.errors).toBeUndefined();
    const w = open.data!.createFreezeWindow as Window;
    const closed = await create({ name: 'Nightly', cron: farFromNow(), durationMinutes: 60 });
    expect(closed.errors).toBeUndefined();

    const reasons = await frozen('cart', 'production');
    expect(reasons).toEqual([
      {
        code: 'FREEZE',
        level: 'DENY',
        message: `cart in production is frozen by window "Release train" (${w.id}, set by release manager) from ${w.current!.start} until ${w.current!.end}: nobody on call`,
      },
    ]);
    const gate = await t.gql(GATE, { service: 'cart', environment: 'production' }, reader);
    expect((gate.data!.deploymentGate as { decision: string }).decision).toBe('DENY');
    // Outside what it covers, and outside the closed window's occurrences: nothing.
    expect(await frozen('cart', 'staging')).toEqual([]);
    expect(await frozen('web', 'production')).toEqual([]);

    await t.gql(DELETE, { id: w.id }, sre);
    expect(await frozen('cart', 'production')).toEqual([]);
    await t.gql(DELETE, { id: (closed.data!.createFreezeWindow as Window).id }, sre);
  });

  const valid = { name: 'Fridays', cron: '0 18 * * 5', durationMinutes: 60 };
  it.each<[string, Record<string, unknown>, string]>([
    ['a blank name', { name: ' ' }, 'name'],
    ['a blank reason', { reason: ' ' }, 'reason'],
    ['a cron that is not one', { cron: 'every friday' }, 'cron'],
    ['a cron with seconds', { cron: '0 0 18 * * 5' }, 'cron'],
    ['a cron that never fires', { cron: '0 0 31 2 *' }, 'cron'],
    ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['a zero duration', { durationMinutes: 0 }, 'durationMinutes'],
    ['a duration over 31 days', { durationMinutes: 44641 }, 'durationMinutes'],
    [
      'an activeUntil in the past (expired)',
      { activeUntil: '2020-01-01T00:00:00Z' },
      'activeUntil',
    ],
    ['a namespace without a service', { namespace: 'shop' }, 'namespace'],
    ['a NUL byte in the name', { name: 'bad\u0000name' }, 'NUL'],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_case, input, field) => {
    const before = await windows(true);
    const res = await create({ ...valid, ...input });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toContain(field);
    expect(await windows(true)).toHaveLength(before.length);
  });

  it('needs the triage scope to create or delete, and names an unknown window', async () => {
    expect((await create(valid, reader)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(DELETE, { id: '1' }, reader)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    for (const id of ['999999', 'abc', '-1'])
      expect((await t.gql(DELETE, { id }, sre)).errors?.[0].extensions?.code).toBe(
        'FREEZE_WINDOW_NOT_FOUND',
      );
    expect((await t.gql(WINDOWS, { first: 0 }, reader)).errors?.[0].extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});
