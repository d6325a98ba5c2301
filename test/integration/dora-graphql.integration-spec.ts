import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

const QUERY = `query($filter: DoraMetricsFilter!) {
  doraMetrics(filter: $filter) { definitionVersion benchmark { id url } window { label } }
}`;

describe('doraMetrics over GraphQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };

  it('carries the definition version and the benchmark source', async () => {
    const res = await t.gql(QUERY, { filter: week });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      doraMetrics: {
        definitionVersion: 'shipwatch-dora/1',
        benchmark: { id: 'dora-2023', url: 'https://dora.dev/research/2023/dora-report/' },
        window: { label: 'window' },
      },
    });
  });

  it.each([
    [{ ...week, from: week.to, to: week.from }, 'BAD_USER_INPUT'],
    [{ ...week, timezone: 'Mars/Olympus' }, 'BAD_USER_INPUT'],
    [{ ...week, timezone: 'UTC+2' }, 'BAD_USER_INPUT'],
    [{ ...week, to: '2031-01-01T00:00:00Z', granularity: 'DAY' }, 'DORA_TOO_MANY_BUCKETS'],
    [{ ...week, from: '2026-03-02T00:00:00' }, 'BAD_USER_INPUT'],
  ])('refuses %j with %s', async (filter, code) => {
    const res = await t.gql(QUERY, { filter });
    expect(res.errors?.[0].extensions?.code).toBe(code);
  });

  it('needs a token with the read scope', async () => {
    expect((await t.gql(QUERY, { filter: week }, null)).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const created = await t.gql(
      'mutation { createApiToken(input: { name: "ci", scopes: [INGEST] }) { token } }',
      undefined,
      ADMIN_TOKEN,
    );
    const token = (created.data!.createApiToken as { token: string }).token;
    expect((await t.gql(QUERY, { filter: week }, token)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });
});
