/**
 * Two kinds of URL reach the CLI and must not be confused: the Shipwatch server it talks to
 * (`--server`, `SHIPWATCH_URL`) and the link an event carries (`--link`: the CI run, the
 * incident). Each is checked for looking like the other. Pure: the environment is passed in.
 */
import type { Environment } from './ci-context.rule.js';

/** Paths of CI run, pipeline, job and build pages (GitHub, GitLab, Jenkins, Buildkite, CircleCI, Azure). */
const CI_RUN_PATH = [
  /\/actions\/runs\/\d+/,
  /\/-\/(?:pipelines|jobs)\/\d+/,
  /\/job\/[^/]+\/(?:job\/[^/]+\/)*\d+\/?$/,
  /\/(?:pipelines|builds|workflows|jobs)\/\d+/,
  /\/_build\/results/,
];

/** Hosted CI and forge sites: never a Shipwatch server. */
const CI_HOSTS = new Set([
  'github.com',
  'www.github.com',
  'api.github.com',
  'gitlab.com',
  'www.gitlab.com',
  'buildkite.com',
  'app.circleci.com',
  'circleci.com',
  'dev.azure.com',
  'bitbucket.org',
]);

/** The CI server of this job, by the variable that names it. */
const CI_SERVER_VARIABLES = ['GITHUB_SERVER_URL', 'CI_SERVER_URL', 'JENKINS_URL'] as const;

function httpUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

const LINK_HINT =
  "give Shipwatch's base URL with --server or SHIPWATCH_URL, and the link of the CI run with --link";

/**
 * Why `value` (from `from`: `--server`, `SHIPWATCH_URL`, ...) cannot be the Shipwatch server, or
 * null when it can.
 */
export function serverUrlProblem(value: string, from: string, env: Environment): string | null {
  const url = httpUrl(value);
  if (!url) {
    return `${from} must be the http(s) base URL of Shipwatch, e.g. http://shipwatch:4000 (got ${JSON.stringify(value)})`;
  }
  if (CI_RUN_PATH.some((p) => p.test(url.pathname))) {
    return `${from} ${value} looks like the link of a CI run, not a Shipwatch server: ${LINK_HINT}`;
  }
  const host = url.hostname.toLowerCase();
  if (CI_HOSTS.has(host)) {
    return `${from} ${value} is ${host}, not a Shipwatch server: ${LINK_HINT}`;
  }
  for (const variable of CI_SERVER_VARIABLES) {
    const ci = httpUrl(env[variable]?.trim() ?? '');
    if (ci && ci.origin === url.origin) {
      return `${from} ${value} is your CI server (${variable}), not a Shipwatch server: ${LINK_HINT}`;
    }
  }
  return null;
}

/** Why `value` cannot be an event's link (`--link`), or null when it can. */
export function linkProblem(value: string, serverUrl: string): string | null {
  const url = httpUrl(value);
  if (!url) {
    return `--link must be an http(s) URL, e.g. the CI run's page (got ${JSON.stringify(value)})`;
  }
  const server = httpUrl(serverUrl);
  if ((server && server.origin === url.origin) || /\/graphql\/?$/.test(url.pathname)) {
    return `--link ${value} is the Shipwatch server, not the page the event links to (the CI run, the incident): pass that page with --link (in CI, the run's page is the default) and Shipwatch's URL with --server or SHIPWATCH_URL`;
  }
  return null;
}
