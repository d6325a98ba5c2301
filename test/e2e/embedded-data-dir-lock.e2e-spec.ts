import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, openDatabase } from '../../src/database/data-source.js';
import { seededDataDir } from '../support/pglite-template.js';
import {
  buildDist,
  runShipwatchToExit,
  startShipwatch,
  type Launcher,
  type RunningShipwatch,
} from '../support/process.js';
import { testConfig } from '../support/test-app.js';

/**
 * One process per embedded data directory, whatever the PIDs say. Real `dist/src/main.js`
 * processes on one SHIPWATCH_DATA_DIR: started at the same moment (many rounds), in PID
 * namespaces of their own (`unshare`, as containers sharing a volume are), and after the holder
 * was killed with SIGKILL. Never do two serve at once, and every event that a process
 * acknowledged is in the data afterwards. These processes never use DATABASE_URL, so the file
 * means the same in both CI modes.
 */

const ADMIN = 'data-dir-lock-admin-token';
/** Rounds of two whole servers (boot, serve, acknowledge, stop: seconds each). */
const ROUNDS = 4;
/** Rounds of two processes that only take the lock, as main.js does first (a tenth of a second). */
const LOCK_ROUNDS = 40;
/** A process in a PID namespace of its own (PID 1 there), killed when its `unshare` dies. */
const OWN_PID_NAMESPACE: Launcher = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];
const IN_USE = /is in use by process \d+ on host \S+ since \S+ \(it holds \S+shipwatch\.lock\)/;
/**
 * A process that loses a simultaneous start may read the lock file in the instant between the
 * winner taking the lock and writing who it is: it then names "another process", as truly.
 */
const IN_USE_RACED =
  /is in use by (process \d+ on host \S+ since \S+|another process) \(it holds \S+shipwatch\.lock\)/;

const RECORD_DEPLOYMENT = `mutation($input: DeploymentInput!) { recordDeployment(input: $input) { result } }`;

async function recordDeployment(url: string, eventId: string): Promise<string> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({
      query: RECORD_DEPLOYMENT,
      variables: {
        input: {
          source: 'lock-test',
          eventId,
          deploymentId: eventId,
          service: 'checkout',
          environment: 'staging',
          version: eventId,
          status: 'SUCCEEDED',
          startedAt: '2026-01-05T10:00:00Z',
          finishedAt: '2026-01-05T10:05:00Z',
        },
      },
    }),
  });
  const body = (await res.json()) as { data?: { recordDeployment?: { result: string } } };
  return body.data?.recordDeployment?.result ?? `HTTP ${res.status} ${JSON.stringify(body)}`;
}

/**
 * Sends `signal` to Shipwatch itself (inside its namespace, if any: `unshare` forwards nothing)
 * and resolves with its exit code, or its signal, once it is gone — and so is its lock.
 */
async function stopHolder(holder: RunningShipwatch, signal: NodeJS.Signals): Promise<unknown> {
  const { proc } = holder;
  const pid =
    proc.spawnfile === 'unshare'
      ? Number(readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim())
      : proc.pid!;
  // unshare waits for its child, then exits with its code (1 when the child was killed).
  const exited = new Promise((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig)));
  process.kill(pid, signal);
  return exited;
}

/**
 * A process that takes the lock of `dir` with the built DataDirLock (what main.js does before it
 * opens the database), prints `held` or `refused: <why>`, and keeps the lock until its stdin
 * closes.
 */
const LOCK_TAKER = `
  const { DataDirLock } = await import('./dist/src/database/data-dir-lock.js');
  let lock;
  try { lock = DataDirLock.acquire(process.argv[1]); console.log('held'); }
  catch (e) { console.log('refused: ' + e.message); process.exit(0); }
  process.stdin.resume();
  process.stdin.on('end', () => { lock.release(); process.exit(0); });
`;

function takeLock(
  dir: string,
  launcher: Launcher,
): { proc: ChildProcessWithoutNullStreams; said: Promise<string>; exited: Promise<unknown> } {
  const command = [...launcher, process.execPath, '--input-type=module', '-e', LOCK_TAKER, dir];
  const proc = spawn(command[0], command.slice(1), { cwd: join(import.meta.dirname, '..', '..') });
  // Listened for from the start: the refused taker exits right after saying so, possibly before
  // the test has read what it said.
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const said = new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', (code) => reject(new Error(`lock taker exited with ${code}: ${out}`)));
  });
  return { proc, said, exited };
}

/** The deployments stored in `dir`, read in this process once no Shipwatch holds it. */
async function storedDeployments(dir: string): Promise<string[]> {
  const db = await openDatabase(testConfig({ DATABASE_URL: undefined, SHIPWATCH_DATA_DIR: dir }));
  try {
    const rows = await db.dataSource.query<{ external_id: string }[]>(
      `SELECT external_id FROM deployments WHERE source = 'lock-test' ORDER BY external_id`,
    );
    return rows.map((r) => r.external_id);
  } finally {
    await closeDatabase(db);
  }
}

describe('the embedded data directory serves one process', () => {
  let dir: string;
  const running: RunningShipwatch[] = [];
  beforeAll(() => {
    buildDist();
  });
  beforeEach(async () => {
    // Migrated already: the subject is the lock, not a first boot (boot.e2e-spec.ts has that).
    dir = await seededDataDir('shipwatch-lock-');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`two processes taking the lock at the same moment: exactly one holds it, in each of ${LOCK_ROUNDS} rounds`, async () => {
    for (let round = 0; round < LOCK_ROUNDS; round++) {
      // Every other round, one of the pair runs in a PID namespace of its own.
      const pair = (round % 2 === 0 ? [[], []] : [[], OWN_PID_NAMESPACE]).map((l) =>
        takeLock(dir, l),
      );
      const said = await Promise.all(pair.map((p) => p.said));
      for (const p of pair) p.proc.stdin.end();
      await Promise.all(pair.map((p) => p.exited));
      expect([round, said.filter((s) => s === 'held').length]).toEqual([round, 1]);
      expect(said.find((s) => s !== 'held')).toMatch(/^refused: .*/);
      expect(said.find((s) => s !== 'held')).toMatch(IN_USE_RACED);
    }
  });

  it(`two processes started at the same moment: exactly one serves, in each of ${ROUNDS} rounds, and no acknowledged event is lost`, async () => {
    const env = { SHIPWATCH_DATA_DIR: dir, SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN };
    const acknowledged: string[] = [];
    const stops: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Every other round, one of the pair runs in a PID namespace of its own.
      const launchers: Launcher[] = round % 2 === 0 ? [[], []] : [[], OWN_PID_NAMESPACE];
      const started = await Promise.allSettled(
        launchers.map((l) => startShipwatch(env, 60_000, l)),
      );
      const serving = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      running.push(...serving);
      const refusals = started.flatMap((s) =>
        s.status === 'rejected' ? [(s.reason as Error).message] : [],
      );
      expect([round, serving.length]).toEqual([round, 1]);
      expect(refusals).toEqual([expect.stringMatching(/exited with 1 before listening/)]);
      expect(refusals[0]).toMatch(IN_USE_RACED);
      const [holder] = serving;
      const eventId = `round-${String(round).padStart(2, '0')}`;
      expect(await recordDeployment(holder.url, eventId)).toBe('ACCEPTED');
      acknowledged.push(eventId);
      // Half the holders stop cleanly, half are killed: the kernel releases the lock either way.
      running.splice(running.indexOf(holder), 1);
      const signal = round % 4 < 2 ? 'SIGKILL' : 'SIGTERM';
      stops.push(`${signal}: ${String(await stopHolder(holder, signal))}`);
    }
    // Killed: by SIGKILL, or exit code 1 from unshare whose child was; stopped: exit code 0.
    expect(stops.filter((s) => !/^SIGKILL: (SIGKILL|1)$|^SIGTERM: 0$/.test(s))).toEqual([]);
    expect(await storedDeployments(dir)).toEqual(acknowledged);
  });

  it('a process in another PID namespace is refused while the holder serves, and neither refusal frees the lock', async () => {
    const env = { SHIPWATCH_DATA_DIR: dir, SHIPWATCH_BOOTSTRAP_TOKEN: ADMIN };
    // The holder is PID 1 of its namespace; so is the second process, in another namespace.
    const holder = await startShipwatch(env, 60_000, OWN_PID_NAMESPACE);
    running.push(holder);
    expect(readFileSync(join(dir, 'shipwatch.lock'), 'utf8')).toMatch(/^pid=1\nhostname=/);
    expect(await recordDeployment(holder.url, 'before')).toBe('ACCEPTED');

    const namespaced = await runShipwatchToExit(env, 60_000, OWN_PID_NAMESPACE);
    expect(namespaced.code).toBe(1);
    expect(namespaced.stderr).toContain(`the embedded database in ${dir} is in use by process 1`);
    expect(namespaced.stderr).toMatch(IN_USE);
    const sameNamespace = await runShipwatchToExit(env);
    expect(sameNamespace.code).toBe(1);
    expect(sameNamespace.stderr).toMatch(IN_USE);

    // The holder still serves and still writes what it acknowledges.
    expect(await recordDeployment(holder.url, 'after')).toBe('ACCEPTED');
    running.splice(running.indexOf(holder), 1);
    expect(await stopHolder(holder, 'SIGKILL')).toBe(1);
    const next = await startShipwatch(env);
    running.push(next);
    expect(await recordDeployment(next.url, 'next')).toBe('ACCEPTED');
    running.splice(running.indexOf(next), 1);
    expect(await next.stop()).toBe(0);
    expect(await storedDeployments(dir)).toEqual(['after', 'before', 'next']);
  });
});
