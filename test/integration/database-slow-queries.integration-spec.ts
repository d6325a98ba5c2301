import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { closeDatabase, openDatabase } from '../../src/database/data-source.js';
import { openOptions, testConfig } from '../support/test-app.js';

describe('slow query log (DATABASE_SLOW_QUERY_MS)', () => {
  let warn: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const slowQueryWarnings = () =>
    (warn.mock.calls as [string][]).filter(([m]) => String(m).startsWith('slow query'));

  async function runWith(slowQueryMs: string): Promise<void> {
    const config = testConfig({ DATABASE_SLOW_QUERY_MS: slowQueryMs });
    const db = await openDatabase(config, await openOptions(config));
    try {
      await db.dataSource.query('SELECT 1');
      await db.dataSource.query('SELECT pg_sleep($1)', [0.3]);
    } finally {
      await closeDatabase(db);
    }
  }

  it('warns of a query slower than the threshold, with its duration and SQL but no parameters', async () => {
    await runWith('100');
    // Only the sleep is certain to pass the threshold on a loaded machine.
    const warnings = slowQueryWarnings().filter(([m]) => m.includes('pg_sleep'));
    expect(warnings).toHaveLength(1);
    const [message] = warnings[0];
    expect(message).toMatch(/^slow query \((\d+) ms\): SELECT pg_sleep\(\$1\)$/);
    expect(Number(/\((\d+) ms\)/.exec(message)![1])).toBeGreaterThanOrEqual(300);
  });

  it('logs none with 0', async () => {
    await runWith('0');
    expect(slowQueryWarnings()).toHaveLength(0);
  });
});
