import type { Pool } from 'pg';
import { QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import {
  closeDatabase,
  openDatabase,
  type OpenedDatabase,
} from '../../src/database/data-source.js';
import { preparedQuery } from '../../src/database/prepared.js';
import { testConfig } from '../support/test-app.js';

const NEXT = 'SELECT $1::int + 1 AS next';

describe('preparedQuery', () => {
  let db: OpenedDatabase;
  const next = (n: unknown) =>
    db.dataSource.transaction((m) => preparedQuery<{ next: number }>(m, NEXT, [n]));

  beforeAll(async () => {
    // One connection, as embedded always has: the test knows which connection prepared what.
    db = await openDatabase(testConfig({ DATABASE_POOL_SIZE: '1' }));
  });
  afterAll(() => closeDatabase(db));

  it('prepares a statement once per connection and runs it again by name', async () => {
    const [first, second, prepared] = await db.dataSource.transaction(async (m) => [
      await preparedQuery<{ next: number }>(m, NEXT, [1]),
      await preparedQuery<{ next: number }>(m, NEXT, [41]),
      await m.query<{ name: string }[]>(
        `SELECT name FROM pg_prepared_statements WHERE statement = $1`,
        [NEXT],
      ),
    ]);
    expect(first).toEqual([{ next: 2 }]);
    expect(second).toEqual([{ next: 42 }]);
    expect(prepared).toEqual([{ name: expect.stringMatching(/^sw_\d+$/) as string }]);
  });

  it('fails as m.query does, and the statement still runs after the rollback', async () => {
    const failed = next('not a number');
    await expect(failed).rejects.toBeInstanceOf(QueryFailedError);
    await expect(failed).rejects.toMatchObject({ driverError: { code: '22P02' } });
    expect(await next(2)).toEqual([{ next: 3 }]);
  });

  it('still runs on a new connection once the one that prepared it is gone', async () => {
    expect(await next(3)).toEqual([{ next: 4 }]);
    // The pool drops the connection (as after an idle timeout or a network error). The embedded
    // database keeps one session across connections, with the statement still prepared in it.
    const pool = (db.dataSource.driver as PostgresDriver).master as Pool;
    const client = await pool.connect();
    const closed = new Promise((resolve) => client.once('end', resolve));
    client.release(new Error('dropped by the test'));
    await closed;
    expect(await next(4)).toEqual([{ next: 5 }]);
  });
});
