/**
 * `shipwatch run`: a CI pipeline run, with test totals read from JUnit XML reports. In CI the
 * run id, attempt, pipeline name, repository, ref, commit and URL come from the environment.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { parsePositiveInt, type OptionSpecs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import { Git } from '../git.js';
import { JUnitError, mergeTotals, parseJUnit, type TestTotals } from '../junit.parser.js';
import {
  compact,
  describeOutcome,
  ENVELOPE_OPTIONS,
  envelope,
  eventContext,
  link,
  optionalTime,
  sendEvent,
} from './event-options.js';

const STATUSES = ['QUEUED', 'RUNNING', 'FINISHED'] as const;
const OUTCOMES = ['SUCCESS', 'FAILURE', 'ERROR', 'CANCELLED', 'SKIPPED', 'TIMEOUT'] as const;
/** Most suites one run may list (the server's limit); totals always count every suite. */
const MAX_SUITES = 1000;

const RUN_OPTIONS = {
  pipeline: {
    type: 'string',
    short: 'p',
    placeholder: '<name>',
    description: 'Pipeline name (default: the CI workflow or project)',
  },
  id: {
    type: 'string',
    placeholder: '<id>',
    description: 'Run id (default: the CI run/pipeline id)',
  },
  attempt: {
    type: 'string',
    placeholder: '<n>',
    description: 'Attempt number (default: the CI attempt, else 1)',
  },
  status: {
    type: 'string',
    placeholder: '<status>',
    choices: STATUSES,
    description: 'Default FINISHED when --outcome or --junit is given, else RUNNING',
  },
  outcome: {
    type: 'string',
    placeholder: '<outcome>',
    choices: OUTCOMES,
    description: 'How a finished run ended (default: FAILURE when a test failed, else SUCCESS)',
  },
  junit: {
    type: 'string',
    multiple: true,
    placeholder: '<path>',
    description: 'JUnit XML report, or a directory searched for *.xml',
  },
  repository: {
    type: 'string',
    placeholder: '<owner/name>',
    description: 'Default: the CI project, else the origin remote',
  },
  ref: { type: 'string', placeholder: '<ref>', description: 'Branch or tag (default: the CI ref)' },
  sha: {
    type: 'string',
    placeholder: '<sha>',
    description: 'Commit built (default: the CI commit, else HEAD)',
  },
  link: {
    type: 'string',
    placeholder: '<url>',
    description:
      'Link to the run’s page (default: the CI run; not the Shipwatch server: that is --server)',
  },
  'queued-at': { type: 'string', placeholder: '<time>', description: 'Queue time' },
  'started-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'Start time (RUNNING: default now)',
  },
  'finished-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'Finish time (FINISHED: default now)',
  },
  ...ENVELOPE_OPTIONS,
} as const satisfies OptionSpecs;

/** Every report named: files as given, directories searched (recursively) for *.xml. */
export async function junitFiles(paths: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) await walk(path);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.xml')) files.push(path);
    }
  };
  for (const p of paths) {
    const path = isAbsolute(p) ? p : join(cwd, p);
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new UsageError(`--junit ${p}: no such file or directory`);
    }
    if (info.isDirectory()) await walk(path);
    else files.push(path);
  }
  return files;
}

export async function readJUnit(
  paths: readonly string[],
  cwd: string,
): Promise<TestTotals & { files: number }> {
  const files = await junitFiles(paths, cwd);
  if (files.length === 0) {
    throw new UsageError(`--junit ${paths.join(' ')}: no .xml report found`);
  }
  const reports: TestTotals[] = [];
  for (const file of files) {
    try {
      reports.push(parseJUnit(await readFile(file, 'utf8'), relative(cwd, file) || file));
    } catch (error) {
      if (error instanceof JUnitError)
        throw new CliError(ExitCode.FAILURE, error.message, 'INVALID_JUNIT');
      throw error;
    }
  }
  return { ...mergeTotals(reports), files: files.length };
}

export const run = defineCommand({
  path: ['run'],
  summary: 'Report a pipeline run, with test totals from JUnit XML reports',
  description:
    'Sends a pipeline run event. With --junit the test totals (passed, failed, skipped, per suite) are read from the reports and the run is FINISHED, with outcome FAILURE when a test failed unless --outcome says otherwise.',
  options: RUN_OPTIONS,
  examples: [
    'shipwatch run --status RUNNING',
    'shipwatch run --junit build/test-results --junit reports/e2e.xml',
    'shipwatch run --pipeline nightly --id 2026-01-31 --outcome SUCCESS',
  ],
  async run(inv): Promise<ExitCode> {
    const v = inv.values;
    const eventLink = link(inv, v.link);
    const ec = eventContext(inv);
    const ci = ec.ci;
    const runId = v.id ?? ci?.runId;
    if (!runId) throw new UsageError('--id is required outside CI', inv.command);
    const pipelineName = v.pipeline ?? ci?.pipelineName;
    if (!pipelineName) throw new UsageError('--pipeline is required outside CI', inv.command);
    const tests = v.junit.length > 0 ? await readJUnit(v.junit, inv.ctx.cwd) : undefined;
    const status = v.status ?? (v.outcome || tests ? 'FINISHED' : 'RUNNING');
    if (v.outcome && status !== 'FINISHED') {
      throw new UsageError('--outcome is only allowed with --status FINISHED', inv.command);
    }
    const outcome =
      status === 'FINISHED'
        ? (v.outcome ?? (tests && tests.failed > 0 ? 'FAILURE' : 'SUCCESS'))
        : undefined;
    const git = new Git(inv.ctx.cwd);
    const checkout = !v.sha && !ci?.commitSha ? await git.isCheckout() : false;
    const now = ec.now.toISOString();
    const env = envelope(inv, ec);
    if (tests && tests.suites.length > MAX_SUITES) {
      inv.warn(
        `${tests.suites.length} suites: sending the totals and the first ${MAX_SUITES} suites`,
      );
    }
    const input = compact({
      ...env,
      runId,
      attempt: v.attempt ? parsePositiveInt('--attempt', v.attempt) : ci?.attempt,
      pipelineName,
      repository:
        v.repository ?? ci?.repository ?? (checkout ? await git.remoteRepository() : undefined),
      ref: v.ref ?? ci?.ref,
      commitSha: v.sha ?? ci?.commitSha ?? (checkout ? await git.headSha() : undefined),
      status,
      outcome,
      queuedAt: optionalTime(inv, 'queued-at', v['queued-at']),
      startedAt:
        optionalTime(inv, 'started-at', v['started-at']) ??
        (status === 'RUNNING' ? now : undefined),
      finishedAt:
        optionalTime(inv, 'finished-at', v['finished-at']) ??
        (status === 'FINISHED' ? now : undefined),
      url: eventLink ?? ci?.url,
      tests: tests && {
        passed: tests.passed,
        failed: tests.failed,
        skipped: tests.skipped,
        suites: tests.suites.slice(0, MAX_SUITES).map((s) => compact({ ...s })),
      },
    });
    const result = await sendEvent(inv, 'pipelineRun', input);
    const testLine = tests
      ? `; tests: ${tests.passed} passed, ${tests.failed} failed, ${tests.skipped} skipped (${tests.suites.length} suites in ${tests.files} report${tests.files === 1 ? '' : 's'})`
      : '';
    inv.result(
      `pipeline run ${pipelineName} #${runId} (${outcome ?? status})${testLine}: ${describeOutcome(result)}`,
      {
        result: result.result,
        id: result.entityId ?? null,
        runId,
        source: ec.source,
        eventId: env.eventId,
        status,
        outcome: outcome ?? null,
        tests: tests
          ? {
              passed: tests.passed,
              failed: tests.failed,
              skipped: tests.skipped,
              suites: tests.suites.length,
            }
          : null,
        note: result.note ?? null,
      },
    );
    return ExitCode.OK;
  },
});
