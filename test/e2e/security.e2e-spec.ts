import { GraphQLSchemaHost } from '@nestjs/graphql';
import { rootOperations, type RootOperation } from '../support/schema-walk.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The only operations anyone may call without a token. Adding one is a security decision. */
const PUBLIC = new Set(['serverInfo']);

describe('every GraphQL operation is guarded', () => {
  let t: TestApp;
  let operations: RootOperation[];
  const tokens: Record<'read' | 'ingest', string> = { read: '', ingest: '' };

  beforeAll(async () => {
    t = await startTestApp();
    operations = rootOperations(t.app.get(GraphQLSchemaHost).schema).filter(
      (op) => !PUBLIC.has(op.field),
    );
    for (const scope of ['read', 'ingest'] as const) {
      const res = await t.gql(
        `mutation { createApiToken(input: { name: "${scope}-only", scopes: [${scope.toUpperCase()}] }) { token } }`,
      );
      tokens[scope] = (res.data!.createApiToken as { token: string }).token;
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('walks a schema with queries and mutations', () => {
    expect(operations.filter((op) => op.kind === 'query').length).toBeGreaterThan(0);
    expect(operations.filter((op) => op.kind === 'mutation').length).toBeGreaterThan(0);
  });

  it('refuses every operation without a token (UNAUTHENTICATED)', async () => {
    const codes: Record<string, unknown> = {};
    for (const op of operations) {
      const res = await t.gql(op.document, op.variables, null);
      codes[op.field] = res.errors?.[0]?.extensions?.code;
    }
    expect(codes).toEqual(
      Object.fromEntries(operations.map((op) => [op.field, 'UNAUTHENTICATED'])),
    );
  });

  it('refuses every mutation with a read-only token (FORBIDDEN)', async () => {
    const mutations = operations.filter((op) => op.kind === 'mutation');
    const codes: Record<string, unknown> = {};
    for (const op of mutations) {
      const res = await t.gql(op.document, op.variables, tokens.read);
      codes[op.field] = res.errors?.[0]?.extensions?.code;
    }
    expect(codes).toEqual(Object.fromEntries(mutations.map((op) => [op.field, 'FORBIDDEN'])));
  });

  it('refuses every query with an ingest-only token (FORBIDDEN)', async () => {
    const queries = operations.filter((op) => op.kind === 'query');
    const codes: Record<string, unknown> = {};
    for (const op of queries) {
      const res = await t.gql(op.document, op.variables, tokens.ingest);
      codes[op.field] = res.errors?.[0]?.extensions?.code;
    }
    expect(codes).toEqual(Object.fromEntries(queries.map((op) => [op.field, 'FORBIDDEN'])));
  });
});
