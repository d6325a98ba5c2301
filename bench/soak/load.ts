/**
 * The soak benchmark's load generator, a child process (so that its own CPU and memory stay out
 * of the measured Shipwatch process). Open loop: requests are scheduled at a fixed rate and each
 * one's latency counts from its scheduled time, so a stalled server shows as latency instead of
 * a politely slower client (no coordinated omission). Mix per second, at `rate` events/s:
 *   90 % in ingestEvents batches of 50,  5 % single mutations,  5 % signed GitHub webhooks
 * (at 1,000 events/s: 18 batches, 50 mutations and 50 webhooks per second).
 * Reports to the parent over IPC: progress every 5 s, the summary at the end.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

export interface LoadOptions {
  readonly url: string;
  readonly token: string;
  readonly githubSecret: string;
  readonly rate: number;
  readonly seconds: number;
  /** Requests in flight at most; beyond it a request is counted as an error (overload). */
  readonly maxInFlight: number;
}

export type Kind = 'batch' | 'single' | 'webhook';

export interface Sample {
  readonly kind: Kind;
  /** Seconds since the start, when it was scheduled. */
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
}

export interface LoadSummary {
  readonly events: number;
  /** Events Shipwatch acknowledged (ACCEPTED or DUPLICATE, HTTP 2xx for webhooks). */
  readonly acknowledged: number;
  readonly requests: Record<Kind, number>;
  readonly errors: number;
  readonly errorSamples: string[];
  readonly samples: Sample[];
  readonly elapsedSeconds: number;
}

export type LoadMessage =
  | { type: 'progress'; events: number; errors: number; inFlight: number }
  | { type: 'done'; summary: LoadSummary };

const BATCH = 50;
const INGEST =
  'mutation($events: [EventInput!]!) { ingestEvents(events: $events) { result errors { field message } } }';
const RECORD_RUN =
  'mutation($input: PipelineRunInput!) { recordPipelineRun(input: $input) { result errors { field message } } }';
const SERVICES = Array.from({ length: 20 }, (_, i) => `soak-svc-${i}`);

let seq = 0;
const id = () => `soak-${process.pid}-${++seq}`;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];

function event(): Record<string, unknown> {
  const eventId = id();
  const now = new Date().toISOString();
  switch (seq % 4) {
    case 0:
      return {
        deployment: {
          source: 'soak',
          eventId,
          deploymentId: eventId,
          service: pick(SERVICES),
          environment: 'staging',
          version: `1.${seq}`,
          status: 'SUCCEEDED',
          commitSha: randomUUID().replace(/-/g, ''),
          finishedAt: now,
        },
      };
    case 1:
      return {
        change: {
          source: 'soak',
          eventId,
          repository: 'acme/soak',
          commits: [{ sha: randomUUID().replace(/-/g, ''), committedAt: now }],
          pushedAt: now,
        },
      };
    case 2:
      return {
        incident: {
          source: 'soak',
          eventId,
          incidentId: eventId,
          services: [{ name: pick(SERVICES) }],
          environment: 'staging',
          detectedAt: now,
        },
      };
    default:
      return { pipelineRun: pipelineRun(eventId, now) };
  }
}

function pipelineRun(eventId = id(), now = new Date().toISOString()): Record<string, unknown> {
  return {
    source: 'soak',
    eventId,
    runId: eventId,
    pipelineName: 'build',
    status: 'FINISHED',
    outcome: 'SUCCESS',
    finishedAt: now,
    tests: { passed: 120, failed: 0, skipped: 3 },
  };
}

interface OctokitEvent {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}

function githubWorkflowRun(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const all = require('@octokit/webhooks-examples') as OctokitEvent[];
  const example = all
    .find((e) => e.name === 'workflow_run')
    ?.examples.find((x) => (x as { action?: string }).action === 'completed');
  if (!example) throw new Error('no workflow_run.completed example in @octokit/webhooks-examples');
  return example;
}

export async function runLoad(
  o: LoadOptions,
  report: (m: LoadMessage) => void,
): Promise<LoadSummary> {
  const workflowRun = githubWorkflowRun();
  const started = performance.now();
  const samples: Sample[] = [];
  const requests: Record<Kind, number> = { batch: 0, single: 0, webhook: 0 };
  const errorSamples: string[] = [];
  let events = 0;
  let acknowledged = 0;
  let errors = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const fail = (what: string) => {
    errors++;
    if (errorSamples.length < 20) errorSamples.push(what.slice(0, 300));
  };

  const send = (kind: Kind, scheduled: number, count: number, call: () => Promise<Response>) => {
    requests[kind]++;
    events += count;
    if (inFlight >= o.maxInFlight) {
      fail(`${kind}: more than ${o.maxInFlight} requests in flight (server overloaded)`);
      return;
    }
    inFlight++;
    const done = (async () => {
      let ok = false;
      try {
        const res = await call();
        const text = await res.text();
        ok = res.ok;
        if (ok && kind !== 'webhook') {
          const body = JSON.parse(text) as { errors?: unknown; data?: Record<string, unknown> };
          const outcomes = Object.values(body.data ?? {}).flat() as { result: string }[];
          ok = !body.errors && outcomes.every((r) => r.result !== 'REJECTED');
          acknowledged += outcomes.filter((r) => r.result !== 'REJECTED').length;
        } else if (ok) acknowledged += count;
        if (!ok) fail(`${kind}: HTTP ${res.status} ${text}`);
      } catch (error) {
        fail(`${kind}: ${(error as Error).message}`);
      } finally {
        inFlight--;
        const end = performance.now();
        samples.push({ kind, at: (scheduled - started) / 1000, ms: end - scheduled, ok });
      }
    })();
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  const gql = (query: string, variables: Record<string, unknown>) =>
    fetch(`${o.url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${o.token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });

  const webhook = () => {
    const body = JSON.stringify({
      ...workflowRun,
      workflow_run: { ...(workflowRun.workflow_run as object), id: ++seq, run_attempt: 1 },
    });
    return fetch(`${o.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'workflow_run',
        'X-GitHub-Delivery': randomUUID(),
        'X-Hub-Signature-256': `sha256=${createHmac('sha256', o.githubSecret).update(body).digest('hex')}`,
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  };

  // Schedule: per second, `rate` events in slots of 10 ms; each slot's quota is drawn by kind.
  const slotMs = 10;
  const perSlot = (o.rate * slotMs) / 1000;
  let carry = 0;
  let lastProgress = started;
  const end = started + o.seconds * 1000;
  let batchBuffer: Record<string, unknown>[] = [];
  for (let slot = started; slot < end; slot += slotMs) {
    const wait = slot - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    carry += perSlot;
    while (carry >= 1) {
      carry -= 1;
      const dice = Math.random();
      if (dice < 0.9) {
        batchBuffer.push(event());
        if (batchBuffer.length === BATCH) {
          const events = batchBuffer;
          batchBuffer = [];
          send('batch', slot, events.length, () => gql(INGEST, { events }));
        }
      } else if (dice < 0.95) {
        const input = pipelineRun();
        send('single', slot, 1, () => gql(RECORD_RUN, { input }));
      } else {
        send('webhook', slot, 1, webhook);
      }
    }
    if (performance.now() - lastProgress >= 5_000) {
      lastProgress = performance.now();
      report({ type: 'progress', events, errors, inFlight });
    }
  }
  await Promise.all([...pending]);
  return {
    events,
    acknowledged,
    requests,
    errors,
    errorSamples,
    samples,
    elapsedSeconds: (performance.now() - started) / 1000,
  };
}

// Run as a child process: options arrive as the first IPC message.
if (process.send && process.argv.includes('--soak-load')) {
  process.once('message', (options: LoadOptions) => {
    void runLoad(options, (m) => process.send!(m)).then(
      (summary) =>
        process.send!({ type: 'done', summary } satisfies LoadMessage, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`soak load failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
