import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Real third-party webhook payloads for the tests: GitHub's from the npm package
 * @octokit/webhooks-examples, GitLab's and the CDEvents conformance set from test/fixtures/.
 */

const fixtures = join(import.meta.dirname, '..', 'fixtures');

interface OctokitEvent {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}

let octokit: readonly OctokitEvent[] | undefined;

/** Every example payload GitHub documents for one event (`deployment`, `push`, ...). */
export function githubExamples(event: string): Record<string, unknown>[] {
  octokit ??= JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8'),
  ) as OctokitEvent[];
  const found = octokit.find((e) => e.name === event);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event} examples`);
  return found.examples.map((e) => structuredClone(e));
}

/** The first example of an event whose payload matches `where`. */
export function githubExample(
  event: string,
  where: (payload: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> {
  const found = githubExamples(event).find(where);
  if (!found) throw new Error(`no ${event} example matches`);
  return found;
}

export interface GitlabFixture {
  /** Delivery headers as GitLab sends them (X-Gitlab-Token is `test-secret`). */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly payload: Record<string, unknown>;
}

export const GITLAB_FIXTURE_TOKEN = 'test-secret';

export function gitlabFixture(file: string): GitlabFixture {
  const dir = join(fixtures, 'gitlab');
  const headers = (
    JSON.parse(readFileSync(join(dir, 'headers.json'), 'utf8')) as Record<
      string,
      Record<string, string>
    >
  )[file];
  if (!headers) throw new Error(`test/fixtures/gitlab/headers.json has no ${file}`);
  const body = readFileSync(join(dir, file));
  return {
    headers: { ...headers, 'Content-Type': 'application/json' },
    body,
    payload: JSON.parse(body.toString('utf8')) as Record<string, unknown>,
  };
}

/** Every CDEvents release with examples, newest first (v0.2.0-v0.4.0: `examples/`). */
/** A fixture as GitLab would deliver it after `edit` (its headers, the edited body). */
export function gitlabDelivery(
  file: string,
  edit: (payload: Record<string, unknown>) => void = () => undefined,
): { headers: Record<string, string>; body: string } {
  const fixture = gitlabFixture(file);
  edit(fixture.payload);
  return { headers: fixture.headers, body: JSON.stringify(fixture.payload) };
}

export const CDEVENTS_RELEASES = [
  'v0.5.1',
  'v0.5.0',
  'v0.4.1',
  'v0.4.0',
  'v0.3.0',
  'v0.2.0',
] as const;

export interface CdeventFixture {
  readonly release: (typeof CDEVENTS_RELEASES)[number];
  /** e.g. `service_deployed` */
  readonly name: string;
  readonly body: Buffer;
  readonly event: {
    context: { id: string; source: string; type: string; timestamp: string } & Record<
      string,
      unknown
    >;
    subject: { id: string } & Record<string, unknown>;
  } & Record<string, unknown>;
}

/** Every CDEvents conformance example of a release. */
export function cdeventFixtures(release: (typeof CDEVENTS_RELEASES)[number]): CdeventFixture[] {
  const dir = join(fixtures, 'cdevents', release);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const body = readFileSync(join(dir, file));
      return {
        release,
        name: file.replace(/\.json$/, ''),
        body,
        event: JSON.parse(body.toString('utf8')) as CdeventFixture['event'],
      };
    });
}

export function cdeventFixture(
  release: (typeof CDEVENTS_RELEASES)[number],
  name: string,
): CdeventFixture {
  const found = cdeventFixtures(release).find((f) => f.name === name);
  if (!found) throw new Error(`no CDEvents ${release} conformance example ${name}`);
  return found;
}

// ---- senders: deliveries as the real producers make them ----

/**
 * Whether Shipwatch applies a conformance example (200) rather than storing it raw (202): runs,
 * deployments, incidents, change.merged (its merge is kept by the change until its commit is
 * known), and test suite/case runs of releases whose examples name a chain (v0.4.0 and later;
 * their testcaserun.skipped example names none).
 */
export function cdeventApplied(release: CdeventFixture['release'], name: string): boolean {
  if (CDEVENTS_APPLIED.has(name)) return true;
  return /^test(suite|case)run_(queued|started|finished)$/.test(name) && release >= 'v0.4.0';
}

const CDEVENTS_APPLIED = new Set([
  'pipelinerun_queued',
  'pipelinerun_started',
  'pipelinerun_finished',
  'build_queued',
  'build_started',
  'build_finished',
  'service_deployed',
  'service_upgraded',
  'service_rolledback',
  'incident_detected',
  'incident_reported',
  'incident_resolved',
  'change_merged',
]);

export const GITHUB_TEST_SECRET = 'github-test-secret';

/** A GitHub delivery signed like GitHub signs it (HMAC-SHA256 of the exact body). */
export function signedGithub(
  event: string,
  payload: unknown,
  delivery: string,
  secret = GITHUB_TEST_SECRET,
): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload);
  return {
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/044aadd',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-GitHub-Hook-ID': '292430182',
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  };
}

/** An Alertmanager (or Grafana Alerting) webhook body of test/fixtures/alertmanager. */
export const alertmanagerFixture = (file: string) => vendorFixture('alertmanager', file);

/** A PagerDuty V3 webhook body of test/fixtures/pagerduty. */
export const pagerdutyFixture = (file: string) => vendorFixture('pagerduty', file);

export const pagerdutySignature = (secret: string, body: Buffer | string): string =>
  `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** A JSON webhook body of test/fixtures/<vendor> (opsgenie, ...). */
export function vendorFixture(
  vendor: string,
  file: string,
): { readonly body: Buffer; readonly payload: Record<string, unknown> } {
  const body = readFileSync(join(fixtures, vendor, file));
  return { body, payload: JSON.parse(body.toString('utf8')) as Record<string, unknown> };
}
