import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { QueryLogger } from './query-logger.js';

describe('QueryLogger', () => {
  const failure = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });
  let debug: ReturnType<typeof jest.spyOn>;
  let warn: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs retried errors (deadlock, serialization, stale reference) at debug level', () => {
    const log = new QueryLogger();
    for (const code of ['40P01', '40001', '23503']) log.logQueryError(failure(code), 'SELECT 1');
    expect(debug).toHaveBeenCalledTimes(3);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns of other failures with the SQLSTATE and the start of the SQL, never the parameters', () => {
    new QueryLogger().logQueryError(
      failure('23514'),
      `INSERT INTO raw_events\n   (payload) VALUES ($1)${' '.repeat(10)}${'x'.repeat(1000)}`,
      ['{"token":"secret-payload"}'],
    );
    const [message] = warn.mock.calls[0] as [string];
    expect(message).toMatch(
      /^query failed \(23514\): failed with 23514 -- INSERT INTO raw_events \(payload\)/,
    );
    expect(message.length).toBeLessThan(400);
    expect(message).not.toContain('secret-payload');
  });
});
