import { createServer } from 'node:net';
import { parseDuration, parseTime } from './args.js';
import { runCli } from './cli.js';
import { ExitCode } from './cli.errors.js';
import type { CliContext } from './command.js';
import { COMMANDS, GROUPS } from './commands/index.js';
import { parseFailOn, verdictExitCode, VERDICTS } from './commands/verdict.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let url = '';
beforeAll(async () => {
  url = `http://127.0.0.1:${await closedPort()}`;
});

/** Runs the CLI in-process with captured output; nothing listens at the URL. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    env: { SHIPWATCH_URL: url, ...env },
    cwd: process.cwd(),
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    now: () => new Date('2026-01-31T12:00:00Z'),
    version: '9.9.9',
    sleep: async () => {},
  };
  const code = await runCli(argv, ctx, COMMANDS, GROUPS);
  return { code, stdout, stderr };
}

describe('the shipwatch runner', () => {
  it('prints the command list with exit codes, and the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(ExitCode.OK);
    for (const c of COMMANDS) expect(help.stdout).toContain(c.path.join(' '));
    expect(help.stdout).toContain('4    server unreachable');
    expect((await cli([])).code).toBe(ExitCode.USAGE);
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: 'shipwatch 9.9.9\n' });
  });

  it.each(COMMANDS.map((c) => [c.path.join(' ')]))(
    '%s --help lists its options and exits 0',
    async (name) => {
      const { code, stdout } = await cli([...name.split(' '), '--help']);
      expect(code).toBe(ExitCode.OK);
      expect(stdout).toContain(`Usage: shipwatch ${name}`);
      expect(stdout).toContain('--json');
      const command = COMMANDS.find((c) => c.path.join(' ') === name)!;
      for (const option of Object.keys(command.options)) expect(stdout).toContain(`--${option}`);
    },
  );

  it('lists a group’s commands with --help, and asks for one without', async () => {
    expect(await cli(['deployment', '--help'])).toMatchObject({ code: 0 });
    const missing = await cli(['deployment']);
    expect(missing.code).toBe(ExitCode.USAGE);
    expect(missing.stderr).toContain('deployment needs a command: start, finish, wait-verdict');
  });

  it.each([
    [['deploy'], 'unknown command "deploy"'],
    [['deployment', 'stat'], 'unknown command "deployment stat" (did you mean "start"?)'],
    [['deployment', 'start', '--servce', 'x'], 'unknown option --servce'],
    [['deployment', 'start', '--service'], 'needs a value'],
    [['deployment', 'start', '-e', 'production'], '--service is required'],
    [
      ['deployment', 'finish', '-s', 'a', '-e', 'b', '--status', 'DONE'],
      '--status must be one of SUCCEEDED, FAILED, CANCELLED, ROLLED_BACK',
    ],
    [['deployment', 'wait-verdict'], 'missing <deployment>'],
    [['deployment', 'wait-verdict', '1', '--fail-on', 'BAD'], '--fail-on must be one of'],
    [['import'], 'missing <file>'],
    [['token', 'revoke', '1', '2'], 'unexpected argument "2"'],
    [
      ['run', '--status', 'RUNNING', '--outcome', 'SUCCESS', '--id', '1', '-p', 'x'],
      '--outcome is only allowed',
    ],
    [['dora', '--since', 'yesterday'], '--since must be an RFC 3339 time'],
    [
      ['deployment', 'finish', '-s', 'a', '-e', 'b', '--url', 'https://ci.example.com/job/a/1/'],
      '--url is ambiguous here and no longer accepted: pass Shipwatch',
    ],
    [['incident', 'open', '--id', '1', '--url', 'http://x'], '--url is ambiguous here'],
    [['run', '--id', '1', '-p', 'x', '--url', 'http://x'], '--url is ambiguous here'],
    [
      ['dora', '--server', 'https://github.com/acme/shop/actions/runs/7'],
      '--server https://github.com/acme/shop/actions/runs/7 looks like the link of a CI run',
    ],
    [['dora', '--url', 'http://a:1', '--server', 'http://a:1'], 'pass only --server'],
    [
      [
        'deployment',
        'finish',
        '-s',
        'a',
        '-e',
        'b',
        '--server',
        'http://127.0.0.1:1',
        '--link',
        'http://127.0.0.1:1/',
      ],
      '--link http://127.0.0.1:1/ is the Shipwatch server',
    ],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const { code, stderr } = await cli(argv, { SHIPWATCH_TOKEN: 't' });
    expect(code).toBe(ExitCode.USAGE);
    expect(stderr).toContain(message);
    expect(stderr).toContain('--help');
  });

  it('takes the server from --server, else SHIPWATCH_URL, and --url only where it was unambiguous, with a warning', async () => {
    const viaServer = await cli(['token', 'list', '--server', url], { SHIPWATCH_TOKEN: 't' });
    expect(viaServer.stderr).toContain(`cannot reach Shipwatch at ${url}`);
    const viaUrl = await cli(['token', 'list', '--url', url], {
      SHIPWATCH_TOKEN: 't',
      SHIPWATCH_URL: 'http://127.0.0.1:9',
    });
    expect(viaUrl.code).toBe(ExitCode.UNREACHABLE);
    expect(viaUrl.stderr).toContain('warning: --url is deprecated: use --server');
    expect(viaUrl.stderr).toContain(`cannot reach Shipwatch at ${url}`);
    const ciLink = await cli(['token', 'list'], {
      SHIPWATCH_TOKEN: 't',
      SHIPWATCH_URL: 'https://gitlab.example.com/acme/shop/-/pipelines/12',
    });
    expect(ciLink.code).toBe(ExitCode.USAGE);
    expect(ciLink.stderr).toContain(
      'SHIPWATCH_URL https://gitlab.example.com/acme/shop/-/pipelines/12 looks like the link of a CI run',
    );
    // --url is not in help any more; --server and --link are.
    const help = await cli(['deployment', 'finish', '--help']);
    expect(help.stdout).toContain('--server <url>');
    expect(help.stdout).toContain('--link <url>');
    expect(help.stdout).not.toContain('--url');
  });

  it('exits 3 without a token and 4 when the server is unreachable', async () => {
    const noToken = await cli(['token', 'list']);
    expect(noToken.code).toBe(ExitCode.AUTH);
    expect(noToken.stderr).toContain('no API token: set SHIPWATCH_TOKEN');
    const down = await cli(['token', 'list', '--json'], { SHIPWATCH_TOKEN: 't' });
    expect(down.code).toBe(ExitCode.UNREACHABLE);
    expect(JSON.parse(down.stdout)).toMatchObject({
      error: { code: 'CONNECTION_REFUSED', exitCode: 4 },
    });
  });
});

describe('argument values', () => {
  const now = new Date('2026-01-31T12:00:00Z');
  it.each([
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02T03:04:05+01:00', '2026-01-02T02:04:05.000Z'],
    ['2026-01-02', '2026-01-02T00:00:00.000Z'],
    ['2026-01-02 03:04', '2026-01-02T03:04:00.000Z'],
    ['now', '2026-01-31T12:00:00.000Z'],
    ['-90m', '2026-01-31T10:30:00.000Z'],
  ])('parseTime(%s)', (value, iso) => {
    expect(parseTime('--at', value, now).toISOString()).toBe(iso);
  });

  it('parses durations and verdict lists', () => {
    expect(parseDuration('--t', '1h30m')).toBe(5400);
    expect(parseDuration('--t', '90')).toBe(90);
    expect(parseDuration('--t', '2.5s')).toBe(2.5);
    expect(() => parseDuration('--t', 'soon')).toThrow('--t must be a duration');
    expect(parseFailOn(undefined)).toEqual(['FAILED', 'DEGRADED']);
    expect(parseFailOn('failed, inconclusive')).toEqual(['FAILED', 'INCONCLUSIVE']);
  });

  it('never exits 0 for a release nobody judged, unless --allow-unverified', () => {
    const failOn = parseFailOn(undefined);
    const codes = Object.fromEntries(VERDICTS.map((v) => [v, verdictExitCode(v, failOn, false)]));
    expect(codes).toEqual({
      HEALTHY: 0,
      HEALTHY_LOW_CONFIDENCE: 0,
      FAILED: 1,
      DEGRADED: 1,
      NONE: 11,
      INCONCLUSIVE: 12,
      UNVERIFIED: 13,
      ENV_DEGRADED: 14,
      SUPERSEDED: 15,
    });
    for (const v of VERDICTS) {
      expect(verdictExitCode(v, failOn, true)).toBe(failOn.includes(v) ? 1 : 0);
    }
    // A verdict named in --fail-on exits 1, as it always did.
    expect(verdictExitCode('INCONCLUSIVE', parseFailOn('FAILED,INCONCLUSIVE'), false)).toBe(1);
  });
});
