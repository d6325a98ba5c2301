import { ConfigError, describeConfig, loadConfig } from './config.schema.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('applies defaults: port 4000, embedded database under ./data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.databaseKind).toBe('embedded');
    expect(config.dataDir).toBe('./data');
    expect(config.publicUrl).toBe('http://localhost:4000');
    expect(config.schedulerEnabled).toBe(true);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/shipwatch' });
    expect(config.databaseKind).toBe('postgres');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc" is invalid: expected an integer from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT="70000" is invalid'],
    [
      { DATABASE_URL: 'not-a-url' },
      'DATABASE_URL="not-a-url" is invalid: expected a postgres:// or postgresql:// URL',
    ],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL="mysql://x/y" is invalid'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud" is invalid: expected error | warn | info | debug'],
    [
      { PROMETHEUS_URL: 'localhost:9090' },
      'PROMETHEUS_URL="localhost:9090" is invalid: expected an http(s) URL',
    ],
    [{ SHIPWATCH_SCHEDULER: 'maybe' }, 'SHIPWATCH_SCHEDULER="maybe" is invalid: expected on | off'],
  ])('refuses %o naming the variable and what is expected', (env, message) => {
    expect(problemsOf(env)).toEqual([expect.stringContaining(message)]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'abc', DATABASE_URL: 'nope' })).toHaveLength(2);
  });

  it('never echoes a secret in an error', () => {
    const [problem] = problemsOf({ SHIPWATCH_BOOTSTRAP_TOKEN: 'short' });
    expect(problem).toContain('SHIPWATCH_BOOTSTRAP_TOKEN="***"');
    expect(problem).not.toContain('short');
  });

  it('describes every variable for the README table', () => {
    const rows = describeConfig();
    expect(rows.map((r) => r.name)).toContain('PORT');
    for (const row of rows) expect(row.description.length).toBeGreaterThan(5);
  });
});
