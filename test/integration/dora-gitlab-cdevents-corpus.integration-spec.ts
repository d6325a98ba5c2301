import { createHash } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { GITLAB_FIXTURE_TOKEN, cdeventFixture, gitlabDelivery } from '../support/webhooks.js';
import { sqlReport } from './dora-support.js';

/**
 * Accuracy corpus of unlabelled histories, sent only as GitLab webhook payloads and CDEvents,
 * every expected figure computed by hand below and checked through GraphQL (`doraMetrics`) and
 * through the SQL Grafana reads (`dora_report`, `dora_failed_deployments`). Nothing is labelled:
 * no deployment has a kind, names what it remediates or is marked rolled back.
 *
 * Every payload is a vendor's own example with the ids, SHAs, times, paths and texts of this
 * history written into it:
 * - GitLab: test/fixtures/gitlab (GitLab's documentation, doc/user/project/integrations/
 *   webhook_events.md at commit 017a6c1): push.json ("Push events"), merge_request.json ("Merge
 *   request events", turned into the `merge` action) and deployment.json ("Deployment events"),
 *   with their delivery headers and secret token (X-Gitlab-Token);
 * - CDEvents: test/fixtures/cdevents/v0.4.1 (github.com/cdevents/spec, conformance/ at the tag
 *   v0.4.1): service_deployed.json, service_upgraded.json, change_merged.json,
 *   incident_detected.json and incident_resolved.json, in CloudEvents structured mode with an
 *   ingest token, as Argo CD Notifications sends them (docs/integrations.md).
 *
 * Times below are UTC; GitLab writes them with the +0100 offset of a Berlin November.
 *
 * ## 1. GitLab only: one project, one service (`acme/shop` → service `shop`), Mon 2026-11-09
 *
 * Merge requests are fast-forward merged (their last commit lands on main), opened two minutes
 * after their commit and merged three minutes later: each change starts at its commit time.
 *
 * | deployment | commit | running → finished     | what the payloads say                                          | inferred         |
 * | G1         | c0     | 09:00 → 09:10          | first deployment seen (c0 pushed 08:00)                        | seed             |
 * | S1         | c1     | staging 10:45 → 10:50  | staging noise                                                  |                  |
 * | G2         | c1     | 11:00 → 11:20          | MR !1 "Add cart", c1 committed 10:00                           | failed           |
 * | G3         | c0     | 11:40 → 11:50          | c0 again ("Rollback environment"): c0 ran before c1 did        | ROLLBACK of G2   |
 * | G4         | c1     | 13:00 → 13:10          | c1 again: a roll forward (c1 first ran after c0)               | planned          |
 * | GF         | c3     | 14:15 → failed 14:20   | never reached users                                            |                  |
 * | G5         | c3     | 14:30 → 14:40          | MR !3 `Revert "Add cart"`, "This reverts merge request !1", branch revert-<c1>, c3 14:00 | REVERT of G2; failed |
 * | G6         | c4     | 15:20 → 15:30          | MR !4 labelled `hotfix`, branch hotfix/checkout, c4 15:00      | HOTFIX of G5     |
 * | G7         | c5     | 16:20 → 16:30          | MR !5 "Add receipts", c5 16:00                                 | planned          |
 *
 * | figure        | computation                                                                              | result                            |
 * | deployments   | G1 … G7 (GF failed)                                                                       | 7, 1 not reached                  |
 * | lead time     | c1 on G2 11:20 − 10:00 = 4800; c3 2400; c4 1800; c5 1800; sorted 1800, 1800, 2400, 4800    | p50 2100, p75 3000, p90 4080      |
 * |               | p50 at rank 1.5; p75 at 2.25 = 2400 + 0.25 × 2400; p90 at 2.7 = 2400 + 0.7 × 2400          |                                   |
 * | excluded      | c0 on G1 NO_PREDECESSOR; c1 on G4 ALREADY_DEPLOYED; G3 carries nothing                     | 2                                 |
 * | failed        | G2 (INFERRED_ROLLBACK, INFERRED_REVERT), G5 (INFERRED_HOTFIX)                              | 2/7, all inferred                 |
 * | recovery      | G2 11:20 → G3 11:50 = 1800; G5 14:40 → G6 15:30 = 3000; p90 = 1800 + 0.9 × 1200            | p50 2400, p90 2880                |
 * | rework        | G3, G5, G6                                                                                | 3/7, all inferred                 |
 * | known         | all but the seed G1 (G3's is the empty changeset of a rollback)                           | 6/7                               |
 *
 * ## 2. A GitLab monorepo deployed by Argo CD (CDEvents), Wed 2026-11-11
 *
 * `acme/mono` holds `api` (services/api/**, libs/shared/**) and `web` (services/web/**,
 * libs/shared/**), declared by the service catalog (Backstage `gitlab.com/project-slug` and
 * `shipwatch.dev/paths`, configuration, not event labels). GitLab sends the pushes, with each
 * commit's files; a CDEvents producer sends `change.merged` for merge request !2 (customData
 * `commitSha`); Argo CD sends `service.deployed` (or `service.upgraded`) once a sync is
 * healthy, its artifact `pkg:generic/<app>@<revision>` (the release), no repository (the
 * catalog's); the monitoring sends `incident.detected` / `incident.resolved` naming the
 * artifact it affects.
 *
 * | commit | committed | files                                          | api        | web        |
 * | c0     | 08:00     | README.md, services/{api,web}/…, libs/shared/… | (seed)     | (seed)     |
 * | c1     | 10:00     | services/api/cart.go                           | its change | left out   |
 * | c2     | 10:30     | libs/shared/money.ts (MR !2, merged 10:40)     | its change | its change |
 * | c3     | 11:00     | services/web/cart.tsx                          | left out   | its change |
 * | c4     | 12:00     | docs/README.md                                 | left out   | left out   |
 * | c5     | 13:00     | services/api/cart.go: `git revert` of c1       | its change | left out   |
 * | c6     | 14:00     | services/web/cart.tsx                          | left out   | its change |
 *
 * | deployment | service | commit | finished         | changes (lead time = finish − commit)        | inferred                  |
 * | A1, W1     | both    | c0     | 09:05 / 09:06    | c0 NO_PREDECESSOR                            | seeds                     |
 * | S1         | web     | c3     | staging 11:20    | (staging noise)                              |                           |
 * | A2         | api     | c2     | 11:30            | c1 5400, c2 3600                             | failed                    |
 * | W2         | web     | c3     | 11:45            | c2 4500, c3 2700                             |                           |
 * | A3         | api     | c0     | 12:10            | none (a rollback carries no change)          | ROLLBACK of A2            |
 * | A4         | api     | c5     | 13:30            | c1, c2 ALREADY_DEPLOYED; c5 1800             | REVERT of A2 (c5 reverts c1, first shipped by A2) |
 * | W3         | web     | c6     | 14:30 (upgraded) | c6 1800 (c4, c5 touch nothing of web's)      |                           |
 *
 * The incident i1 (api, production) is detected at 11:40 naming the artifact api@c2, so A2
 * caused it (explicit), and resolved at 12:20. Sent in reverse, i1 arrives before A2: A2
 * becomes its cause when it arrives.
 *
 * | figure     | api                                                         | web                          | both (the day, org-wide)             |
 * | deployed   | A1 … A4: 4                                                  | W1 … W3: 3                   | 7                                    |
 * | lead times | 1800, 3600, 5400: p50 3600, p75 4500, p90 5040              | 1800, 2700, 4500: p50 2700, p75 3600, p90 4140 | 1800, 1800, 2700, 3600, 4500, 5400: p50 3150, p75 4275, p90 4950 |
 * | excluded   | 1 NO_PREDECESSOR, 2 ALREADY_DEPLOYED                        | 1 NO_PREDECESSOR             | 2, 2                                 |
 * | failed     | A2 (CAUSED_INCIDENT; INFERRED_ROLLBACK, INFERRED_REVERT): 1/4, EXPLICIT | 0/3             | 1/7, none inferred only              |
 * | recovery   | A2 from its finish 11:30 (the incident names no impact start) to the earliest of A3 12:10 and the resolution 12:20: 2400 | none | 2400 |
 * | rework     | A3, A4: 2/4, both inferred                                  | 0                            | 2/7                                  |
 * | known      | A2, A3, A4: 3/4                                             | W2, W3: 2/3                  | 5/7                                  |
 * | incidents  | 1, attributed 1                                             | 0                            | 1, attributed 1                      |
 *
 * p75 of api at rank 1.5 = 3600 + 0.5 × 1800, p90 at 1.8 = 3600 + 0.8 × 1800; web p75 at 1.5 =
 * 2700 + 0.5 × 1800, p90 at 1.8 = 2700 + 0.8 × 1800; both p50 at 2.5 = 2700 + 0.5 × 900, p75 at
 * 3.75 = 3600 + 0.75 × 900, p90 at 4.5 = 4500 + 0.5 × 900.
 *
 * Each history is delivered twice, on days of its own with services of their own: in order, and
 * in reverse with every delivery sent twice (the second a DUPLICATE).
 */

const CE_TOKEN = 'cdevents-corpus-token';

interface Delivery {
  readonly id: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface Corpus {
  readonly day: string;
  readonly deliveries: Delivery[];
}

const shaOf = (repo: string, label: string) =>
  createHash('sha1').update(`${repo}:${label}`).digest('hex');

/** `hh:mm` UTC on `day` in the +0100 offset GitLab writes: ISO (commits, MRs) or its own form. */
function berlin(day: string, hhmm: string): { iso: string; gitlab: string } {
  const local = new Date(Date.parse(`${day}T${hhmm}:00Z`) + 3600_000).toISOString().slice(0, 19);
  return { iso: `${local}+01:00`, gitlab: `${local.replace('T', ' ')} +0100` };
}

/** A fixture of test/fixtures/gitlab as GitLab delivers it, about project `path`. */
function gitlab(
  file: string,
  id: string,
  path: string,
  edit: (p: Record<string, unknown>) => void,
): Delivery {
  const web = `https://gitlab.com/${path}`;
  const { headers, body } = gitlabDelivery(file, (p) => {
    Object.assign(p.project as Record<string, unknown>, {
      name: path.split('/').pop(),
      path_with_namespace: path,
      web_url: web,
      homepage: web,
      git_http_url: `${web}.git`,
    });
    if (p.repository) Object.assign(p.repository as Record<string, unknown>, { homepage: web });
    edit(p);
  });
  return { id, path: '/webhooks/gitlab', headers, body };
}

/** Pushes, merge requests and deployments of one GitLab project. */
function gitlabProject(path: string, day: string, next: (kind: string) => string) {
  const sha = (label: string) => shaOf(path, label);
  const t = (hhmm: string) => berlin(day, hhmm);
  const web = `https://gitlab.com/${path}`;
  return {
    sha,
    /** A push to main of commits (oldest first) on top of `parent`. */
    push(
      parent: string | null,
      commits: { label: string; at: string; message: string; files: string[] }[],
    ): Delivery {
      return gitlab('push.json', next('push'), path, (p) => {
        const template = (p.commits as Record<string, unknown>[])[0];
        const after = sha(commits.at(-1)!.label);
        Object.assign(p, {
          before: parent ? sha(parent) : '0'.repeat(40),
          after,
          checkout_sha: after,
          ref: 'refs/heads/main',
          total_commits_count: commits.length,
          commits: commits.map((c) => ({
            ...structuredClone(template),
            id: sha(c.label),
            message: c.message,
            title: c.message.split('\n')[0],
            timestamp: t(c.at).iso,
            url: `${web}/-/commit/${sha(c.label)}`,
            added: c.files,
            modified: [],
            removed: [],
          })),
        });
      });
    },
    /** Merge request `iid` fast-forward merged: its last commit `label` lands on main. */
    merged(
      iid: number,
      label: string,
      opened: string,
      at: string,
      mr: { title: string; description?: string; branch: string; labels?: string[] },
    ): Delivery {
      return gitlab('merge_request.json', next('mr'), path, (p) => {
        const a = p.object_attributes as Record<string, unknown>;
        const template = (p.labels as Record<string, unknown>[])[0];
        const labels = (mr.labels ?? []).map((title, i) => ({ ...template, id: 300 + i, title }));
        Object.assign(a, {
          iid,
          id: 9000 + iid,
          title: mr.title,
          description: mr.description ?? '',
          source_branch: mr.branch,
          target_branch: 'main',
          created_at: t(opened).iso,
          updated_at: t(at).iso,
          state: 'merged',
          action: 'merge',
          merge_status: 'can_be_merged',
          merge_commit_sha: null,
          squash_commit_sha: null,
          url: `${web}/-/merge_requests/${iid}`,
          labels,
          last_commit: {
            ...(a.last_commit as Record<string, unknown>),
            id: sha(label),
            url: `${web}/-/commit/${sha(label)}`,
          },
        });
        p.labels = labels;
        p.changes = {
          state_id: { previous: 1, current: 3 },
          updated_at: {
            previous: t(opened).gitlab,
            current: t(at).gitlab,
          },
        };
      });
    },
    /** A deployment's two hooks: `running`, then `success` or `failed`. */
    deploy(
      id: number,
      label: string,
      env: 'production' | 'staging',
      running: string,
      done: string,
      outcome: 'success' | 'failed' = 'success',
    ): Delivery[] {
      return (
        [
          ['running', running],
          [outcome, done],
        ] as const
      ).map(([status, hhmm]) =>
        gitlab('deployment.json', next('deployment'), path, (p) =>
          Object.assign(p, {
            status,
            status_changed_at: t(hhmm).gitlab,
            deployment_id: id,
            deployable_id: id * 10,
            deployable_url: `${web}/-/jobs/${id * 10}`,
            environment: env,
            environment_tier: env,
            environment_slug: env,
            environment_external_url: `https://${env}.shop.example.com`,
            short_sha: sha(label).slice(0, 8),
            commit_url: `${web}/-/commit/${sha(label)}`,
            commit_title: label,
          }),
        ),
      );
    },
  };
}

/** A counter of delivery ids: `<prefix><kind>-<n>`. */
const idsFor = (prefix: string) => {
  let n = 0;
  return (kind: string) => `${prefix}${kind}-${++n}`;
};

/** History 1: one GitLab project, pushes, merge requests and deployment hooks. */
function gitlabHistory(prefix: string, day: string, idBase: number): Corpus {
  const g = gitlabProject(`acme/${prefix}shop`, day, idsFor(prefix));
  const c1 = g.sha('c1');
  const deliveries = [
    g.push(null, [{ label: 'c0', at: '08:00', message: 'Initial commit', files: ['README.md'] }]),
    ...g.deploy(idBase + 1, 'c0', 'production', '09:00', '09:10'),
    g.push('c0', [{ label: 'c1', at: '10:00', message: 'Add cart', files: ['cart.rb'] }]),
    g.merged(1, 'c1', '10:02', '10:05', { title: 'Add cart', branch: 'feature/cart' }),
    ...g.deploy(idBase + 101, 'c1', 'staging', '10:45', '10:50'),
    ...g.deploy(idBase + 2, 'c1', 'production', '11:00', '11:20'),
    ...g.deploy(idBase + 3, 'c0', 'production', '11:40', '11:50'),
    ...g.deploy(idBase + 4, 'c1', 'production', '13:00', '13:10'),
    g.push('c1', [
      {
        label: 'c3',
        at: '14:00',
        message: `Revert "Add cart"\n\nThis reverts commit ${c1}.`,
        files: ['cart.rb'],
      },
    ]),
    g.merged(3, 'c3', '14:02', '14:05', {
      title: 'Revert "Add cart"',
      description: 'This reverts merge request !1',
      branch: `revert-${c1.slice(0, 8)}`,
    }),
    ...g.deploy(idBase + 5, 'c3', 'production', '14:15', '14:20', 'failed'),
    ...g.deploy(idBase + 6, 'c3', 'production', '14:30', '14:40'),
    g.push('c3', [{ label: 'c4', at: '15:00', message: 'Fix checkout crash', files: ['co.rb'] }]),
    g.merged(4, 'c4', '15:02', '15:05', {
      title: 'Fix checkout crash',
      branch: 'hotfix/checkout',
      labels: ['hotfix', 'bug'],
    }),
    ...g.deploy(idBase + 7, 'c4', 'production', '15:20', '15:30'),
    g.push('c4', [{ label: 'c5', at: '16:00', message: 'Add receipts', files: ['receipt.rb'] }]),
    g.merged(5, 'c5', '16:02', '16:05', { title: 'Add receipts', branch: 'feature/receipts' }),
    ...g.deploy(idBase + 8, 'c5', 'production', '16:20', '16:30'),
  ];
  return { day, deliveries };
}

/** A v0.4.1 conformance example as a CloudEvent in structured mode, with this history's data. */
function cdevent(
  name: string,
  id: string,
  source: string,
  at: string,
  subject: Record<string, unknown>,
  customData?: Record<string, unknown>,
): Delivery {
  const event = structuredClone(cdeventFixture('v0.4.1', name).event);
  Object.assign(event.context, { id, source, timestamp: at });
  Object.assign(event.subject, subject);
  if (customData) Object.assign(event, { customData, customDataContentType: 'application/json' });
  const { type } = event.context;
  return {
    id,
    path: '/cloudevents',
    headers: {
      Authorization: `Bearer ${CE_TOKEN}`,
      'Content-Type': 'application/cloudevents+json',
    },
    body: JSON.stringify({
      specversion: '1.0',
      id,
      source,
      type,
      subject: event.subject.id,
      time: at,
      datacontenttype: 'application/json',
      data: event,
    }),
  };
}

const SERVICE_GLOBS = {
  api: ['services/api/**', 'libs/shared/**'],
  web: ['services/web/**', 'libs/shared/**'],
};

/** The Backstage catalog of the monorepo's services (configuration, applied before any event). */
const catalogOf = (prefixes: string[]) =>
  prefixes
    .flatMap((prefix) =>
      (['api', 'web'] as const).map(
        (name) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${prefix}${name}
  annotations:
    gitlab.com/project-slug: acme/${prefix}mono
    shipwatch.dev/paths: ${SERVICE_GLOBS[name].join(', ')}
spec:
  type: service
  owner: group:default/shop-team
  lifecycle: production
`,
      ),
    )
    .concat(
      `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: shop-team
spec:
  type: team
  children: []
`,
    )
    .join('---\n');

/** History 2: a GitLab monorepo, merges as CDEvents, deployments and an incident as CDEvents. */
function cdeventsHistory(prefix: string, day: string): Corpus {
  const repo = `acme/${prefix}mono`;
  const next = idsFor(prefix);
  const g = gitlabProject(repo, day, next);
  const at = (hhmm: string) => `${day}T${hhmm}:00Z`;
  const deployed = (
    app: 'api' | 'web',
    label: string,
    env: string,
    finished: string,
    predicate: 'deployed' | 'upgraded' = 'deployed',
  ) =>
    cdevent(
      `service_${predicate}`,
      `${next('sync')}-${label}`,
      `argocd/argocd/${prefix}${app}-${env}`,
      at(finished),
      {
        id: `service/${prefix}${app}`,
        source: `argocd/argocd/${prefix}${app}-${env}`,
        content: {
          environment: { id: env },
          artifactId: `pkg:generic/${prefix}${app}@${g.sha(label)}`,
        },
      },
      {
        commitSha: g.sha(label),
        startedAt: new Date(Date.parse(at(finished)) - 300_000).toISOString(),
      },
    );
  const incident = (predicate: 'detected' | 'resolved', hhmm: string) =>
    cdevent(`incident_${predicate}`, next(`incident-${predicate}`), '/monitoring/prod1', at(hhmm), {
      id: `${prefix}incident-1`,
      source: '/monitoring/prod1',
      content: {
        description: 'Cart totals off by one cent',
        environment: { id: 'production', source: '/iaas/geo1' },
        service: { id: `${prefix}api`, source: '/clusterA/shop' },
        artifactId: `pkg:generic/${prefix}api@${g.sha('c2')}`,
      },
    });
  const file = (label: string, at: string, message: string, files: string[]) => ({
    label,
    at,
    message,
    files,
  });
  const deliveries = [
    g.push(null, [
      file('c0', '08:00', 'Initial commit', [
        'README.md',
        'services/api/main.go',
        'services/web/app.ts',
        'libs/shared/log.ts',
      ]),
    ]),
    deployed('api', 'c0', 'production', '09:05'),
    deployed('web', 'c0', 'production', '09:06'),
    g.push('c0', [
      file('c1', '10:00', 'Add cart endpoint', ['services/api/cart.go']),
      file('c2', '10:30', 'Money type', ['libs/shared/money.ts']),
    ]),
    cdevent(
      'change_merged',
      next('change'),
      `gitlab/${repo}`,
      at('10:40'),
      {
        id: '2',
        source: `gitlab/${repo}`,
        content: { repository: { id: repo, source: 'https://gitlab.com' } },
      },
      { commitSha: g.sha('c2') },
    ),
    g.push('c2', [file('c3', '11:00', 'Cart page', ['services/web/cart.tsx'])]),
    deployed('web', 'c3', 'staging', '11:20'),
    deployed('api', 'c2', 'production', '11:30'),
    incident('detected', '11:40'),
    deployed('web', 'c3', 'production', '11:45'),
    deployed('api', 'c0', 'production', '12:10'),
    g.push('c3', [file('c4', '12:00', 'Docs', ['docs/README.md'])]),
    incident('resolved', '12:20'),
    g.push('c4', [
      file('c5', '13:00', `Revert "Add cart endpoint"\n\nThis reverts commit ${g.sha('c1')}.`, [
        'services/api/cart.go',
      ]),
    ]),
    deployed('api', 'c5', 'production', '13:30'),
    g.push('c5', [file('c6', '14:00', 'Cart page totals', ['services/web/cart.tsx'])]),
    deployed('web', 'c6', 'production', '14:30', 'upgraded'),
  ];
  return { day, deliveries };
}

/** The figures of one report, as the tables above give them. */
interface Figures {
  readonly deployments: number;
  readonly notReached: number;
  /** p50, p75, p90 and how many lead times. */
  readonly lead: readonly [number, number, number, number];
  readonly excluded: { readonly NO_PREDECESSOR: number; readonly ALREADY_DEPLOYED?: number };
  readonly failed: number;
  readonly failedInferred: number;
  /** p50, p90 and how many recoveries; null when nothing failed. */
  readonly recovery: readonly [number, number, number] | null;
  readonly reworked: number;
  readonly reworkedInferred: number;
  readonly known: number;
  readonly incidents: number;
  readonly attributed: number;
}

const GITLAB_SHOP: Figures = {
  deployments: 7,
  notReached: 1,
  lead: [2100, 3000, 4080, 4],
  excluded: { NO_PREDECESSOR: 1, ALREADY_DEPLOYED: 1 },
  failed: 2,
  failedInferred: 2,
  recovery: [2400, 2880, 2],
  reworked: 3,
  reworkedInferred: 3,
  known: 6,
  incidents: 0,
  attributed: 0,
};

const MONOREPO: Record<'api' | 'web' | 'both', Figures> = {
  api: {
    deployments: 4,
    notReached: 0,
    lead: [3600, 4500, 5040, 3],
    excluded: { NO_PREDECESSOR: 1, ALREADY_DEPLOYED: 2 },
    failed: 1,
    failedInferred: 0,
    recovery: [2400, 2400, 1],
    reworked: 2,
    reworkedInferred: 2,
    known: 3,
    incidents: 1,
    attributed: 1,
  },
  web: {
    deployments: 3,
    notReached: 0,
    lead: [2700, 3600, 4140, 3],
    excluded: { NO_PREDECESSOR: 1 },
    failed: 0,
    failedInferred: 0,
    recovery: null,
    reworked: 0,
    reworkedInferred: 0,
    known: 2,
    incidents: 0,
    attributed: 0,
  },
  both: {
    deployments: 7,
    notReached: 0,
    lead: [3150, 4275, 4950, 6],
    excluded: { NO_PREDECESSOR: 2, ALREADY_DEPLOYED: 2 },
    failed: 1,
    failedInferred: 0,
    recovery: [2400, 2400, 1],
    reworked: 2,
    reworkedInferred: 2,
    known: 5,
    incidents: 1,
    attributed: 1,
  },
};

const QUERY = `query($filter: DoraMetricsFilter!) { doraMetrics(filter: $filter) { window {
  deploymentFrequency { deployments notReachedUsers }
  changeLeadTime { p50Seconds p75Seconds p90Seconds count exclusions { reason count } }
  changeFailureRate { failed total ratio }
  failedDeploymentRecoveryTime { p50Seconds p90Seconds count failedNotRecovered }
  deploymentReworkRate { reworked total ratio }
  dataQuality { deploymentsWithKnownChangeset incidents incidentsAttributed failedInferred
    reworkedInferred changesUnknownPaths } } } }`;

const close = (n: number | null): unknown => (n === null ? null : expect.closeTo(n, 6));

/** What GraphQL's window must say for these figures. */
function graphqlWindow(f: Figures) {
  const [p50, p75, p90, count] = f.lead;
  return {
    deploymentFrequency: { deployments: f.deployments, notReachedUsers: f.notReached },
    changeLeadTime: {
      p50Seconds: close(p50),
      p75Seconds: close(p75),
      p90Seconds: close(p90),
      count,
      exclusions: Object.entries(f.excluded).map(([reason, n]) => ({ reason, count: n })),
    },
    changeFailureRate: {
      failed: f.failed,
      total: f.deployments,
      ratio: close(f.failed / f.deployments),
    },
    failedDeploymentRecoveryTime: {
      p50Seconds: close(f.recovery?.[0] ?? null),
      p90Seconds: close(f.recovery?.[1] ?? null),
      count: f.recovery?.[2] ?? 0,
      failedNotRecovered: 0,
    },
    deploymentReworkRate: {
      reworked: f.reworked,
      total: f.deployments,
      ratio: close(f.reworked / f.deployments),
    },
    dataQuality: {
      deploymentsWithKnownChangeset: f.known,
      incidents: f.incidents,
      incidentsAttributed: f.attributed,
      failedInferred: f.failedInferred,
      reworkedInferred: f.reworkedInferred,
      changesUnknownPaths: 0,
    },
  };
}

/** What the WINDOW row of Grafana's dora_report must say for these figures. */
function grafanaRow(f: Figures) {
  return {
    deployments: f.deployments,
    deployments_not_reached: f.notReached,
    lead_time_p50_seconds: close(f.lead[0]),
    lead_time_p75_seconds: close(f.lead[1]),
    lead_time_p90_seconds: close(f.lead[2]),
    lead_times: f.lead[3],
    excluded_no_predecessor: f.excluded.NO_PREDECESSOR,
    excluded_already_deployed: f.excluded.ALREADY_DEPLOYED ?? 0,
    excluded_unknown_paths: 0,
    excluded_other: 0,
    failed: f.failed,
    change_failure_rate: close(f.failed / f.deployments),
    failed_inferred: f.failedInferred,
    recovery_p50_seconds: close(f.recovery?.[0] ?? null),
    recovery_p90_seconds: close(f.recovery?.[1] ?? null),
    recoveries: f.recovery?.[2] ?? 0,
    failed_unrecovered: 0,
    reworked: f.reworked,
    rework_rate: close(f.reworked / f.deployments),
    reworked_inferred: f.reworkedInferred,
    changesets_known: f.known,
    incidents: f.incidents,
    incidents_attributed: f.attributed,
  };
}

describe('accuracy corpus: unlabelled GitLab webhooks and CDEvents', () => {
  let t: TestApp;
  const corpora = {
    gitlab: gitlabHistory('', '2026-11-09', 0),
    'gitlab reversed': gitlabHistory('rev-', '2026-11-10', 1000),
    cdevents: cdeventsHistory('', '2026-11-11'),
    'cdevents reversed': cdeventsHistory('rev-', '2026-11-12'),
  };

  const outcomes: string[] = [];
  const expectedOutcomes: string[] = [];
  const send = async (d: Delivery, expected: string) => {
    const res = await request(t.http).post(d.path).set(d.headers).send(d.body);
    outcomes.push(`${d.id} ${res.status} ${(res.body as { result?: string }).result}`);
    expectedOutcomes.push(`${d.id} 200 ${expected}`);
  };

  beforeAll(async () => {
    t = await startTestApp({
      GITLAB_WEBHOOK_TOKEN: GITLAB_FIXTURE_TOKEN,
      CLOUDEVENTS_TOKEN: CE_TOKEN,
    });
    const catalog = await t.gql(
      `mutation($input: ApplyCatalogInput!) { applyCatalog(input: $input) { warnings { code } } }`,
      { input: { catalogInfo: catalogOf(['', 'rev-']) } },
    );
    if (catalog.errors) throw new Error(JSON.stringify(catalog.errors));
    for (const d of corpora.gitlab.deliveries) await send(d, 'ACCEPTED');
    for (const d of corpora.cdevents.deliveries) await send(d, 'ACCEPTED');
    for (const c of [corpora['gitlab reversed'], corpora['cdevents reversed']]) {
      for (const d of [...c.deliveries].reverse()) {
        await send(d, 'ACCEPTED');
        await send(d, 'DUPLICATE');
      }
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const windowOf = (day: string) => ({ from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z` });

  /** The window of one day and scope through GraphQL and through Grafana's dora_report. */
  const figures = async (day: string, services: string[] | null) => {
    const window = windowOf(day);
    const res = await t.gql(QUERY, { filter: services ? { ...window, services } : window });
    const [row] = (
      await sqlReport(t.db.dataSource, {
        ...window,
        granularity: 'DAY',
        services: services ?? undefined,
      })
    ).filter((r) => r.scope === 'WINDOW');
    return { errors: res.errors, graphql: res.data?.doraMetrics, grafana: row };
  };
  /** What `figures` must give for the hand-computed figures. */
  const expected = (f: Figures) => ({
    errors: undefined,
    graphql: { window: graphqlWindow(f) },
    grafana: expect.objectContaining(grafanaRow(f)),
  });

  it('accepts every delivery once and acknowledges each repeat as a duplicate', () => {
    expect(outcomes).toEqual(expectedOutcomes);
  });

  describe.each([
    ['gitlab', '', corpora.gitlab.day],
    ['gitlab reversed', 'rev-', corpora['gitlab reversed'].day],
  ])('%s', (_, prefix, day) => {
    it('every figure through GraphQL and Grafana matches the hand computation', async () => {
      expect(await figures(day, [`${prefix}shop`])).toEqual(expected(GITLAB_SHOP));
      // org-wide, the day holds this history only
      expect(await figures(day, null)).toEqual(expected(GITLAB_SHOP));
    });

    it('Grafana lists the failed deployments with their inferred evidence and recovery', async () => {
      expect(
        await t.db.dataSource.query(
          `SELECT (external_id::int % 1000)::int AS deployment, failure_evidence, failure_attribution,
                  recovery_seconds
           FROM dora_failed_deployments WHERE service = $1 ORDER BY finished_at`,
          [`${prefix}shop`],
        ),
      ).toEqual([
        {
          deployment: 2,
          failure_evidence: ['INFERRED_REVERT', 'INFERRED_ROLLBACK'],
          failure_attribution: 'INFERRED',
          recovery_seconds: 1800,
        },
        {
          deployment: 6,
          failure_evidence: ['INFERRED_HOTFIX'],
          failure_attribution: 'INFERRED',
          recovery_seconds: 3000,
        },
      ]);
    });
  });

  describe.each([
    ['cdevents', '', corpora.cdevents.day],
    ['cdevents reversed', 'rev-', corpora['cdevents reversed'].day],
  ])('%s', (_, prefix, day) => {
    it.each(['api', 'web', 'both'] as const)(
      '%s: every figure through GraphQL and Grafana matches the hand computation',
      async (who) => {
        const services = who === 'both' ? null : [`${prefix}${who}`];
        expect(await figures(day, services)).toEqual(expected(MONOREPO[who]));
      },
    );

    it('Grafana lists A2 as failed on explicit evidence, recovered by the rollback', async () => {
      expect(
        await t.db.dataSource.query(
          `SELECT service, failure_evidence, failure_attribution, recovery_seconds
           FROM dora_failed_deployments WHERE service = ANY ($1) ORDER BY finished_at`,
          [[`${prefix}api`, `${prefix}web`]],
        ),
      ).toEqual([
        {
          service: `${prefix}api`,
          failure_evidence: ['CAUSED_INCIDENT', 'INFERRED_REVERT', 'INFERRED_ROLLBACK'],
          failure_attribution: 'EXPLICIT',
          recovery_seconds: 2400,
        },
      ]);
    });
  });
});
