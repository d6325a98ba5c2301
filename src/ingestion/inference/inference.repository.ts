import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { recordset } from '../recordset.js';
import { DEFAULT_HOTFIX_RULES } from './hotfix.rule.js';
import type { CarriedChange, DeploymentKey, Inference, ServiceRules } from './inference.rule.js';

/** What the rules need to know of one deployment before its changes are read. */
export interface InferenceFacts {
  readonly explicit: boolean;
  readonly rules: ServiceRules;
  readonly predecessor: DeploymentKey;
  readonly ranBefore: (DeploymentKey & { readonly release: string }) | null;
  readonly repository: string;
}

type Raw = Record<string, unknown>;
const REACHED = (a: string) => `${a}.status IN ('SUCCEEDED', 'ROLLED_BACK')`;
/** Changeset order (changeset.repository.ts): finish time, then natural key. */
const ORDER = (a: string) =>
  `COALESCE(${a}.finished_at, ${a}.last_event_at), ${a}.source, ${a}.external_id`;
/** A deployment's release: its version, else its commit. */
const sameRelease = (x: string, d: string) =>
  `((${d}.version IS NOT NULL AND ${x}.version = ${d}.version)
    OR (${d}.version IS NULL AND ${d}.commit_sha IS NOT NULL AND ${x}.commit_sha = ${d}.commit_sha))`;
/** The earliest deployment of the service and environment that ran `d`'s release. */
const firstRun = (d: string) => `
  SELECT x.id, x.source, x.external_id, (${ORDER('x')}) AS ord FROM deployments x
  WHERE x.service_id = ${d}.service_id AND x.environment_id = ${d}.environment_id AND ${REACHED('x')}
    AND ${sameRelease('x', d)}
  ORDER BY ${ORDER('x')} LIMIT 1`;

const key = (id: unknown, source: unknown, externalId: unknown): DeploymentKey => ({
  id: String(id),
  source: source as string,
  externalId: externalId as string,
});

/** The SQL of the inference rules; every method takes all the deployments of a write at once. */
@Injectable()
export class InferenceRepository {
  /**
   * For each deployment with a predecessor: whether its producer labelled it, its service's
   * rules, and the rollback evidence: the first deployment of its release when that release
   * first ran before the predecessor's did (a return to an older release, never a re-run of
   * the predecessor's nor a roll forward).
   */
  async facts(
    m: EntityManager,
    asked: readonly { readonly id: string; readonly predecessorId: string }[],
  ): Promise<Map<string, InferenceFacts>> {
    if (asked.length === 0) return new Map();
    const rows = await m.query<Raw[]>(
      `SELECT v.id, d.kind <> 'PLANNED' OR EXISTS (
                SELECT 1 FROM deployment_remediations x
                WHERE x.deployment_id = d.id AND x.attribution <> 'INFERRED') AS explicit,
              COALESCE(d.repository, s.repository, '') AS repository,
              p.id AS p_id, p.source AS p_source, p.external_id AS p_external_id,
              r.rollback_by_redeploy, r.reverts, r.hotfixes, r.hotfix_labels,
              r.hotfix_branch_prefixes, r.hotfix_title_patterns,
              COALESCE(d.version, d.commit_sha) AS release,
              CASE WHEN fd.ord < fp.ord THEN fd.id END AS x_id, fd.source AS x_source,
              fd.external_id AS x_external_id
       FROM ${recordset(
         [
           ['id', 'bigint'],
           ['predecessor_id', 'bigint'],
         ],
         1,
       )}
       JOIN deployments d ON d.id = v.id
       JOIN services s ON s.id = d.service_id
       JOIN deployments p ON p.id = v.predecessor_id
       LEFT JOIN service_inference_rules r ON r.service_id = d.service_id
       LEFT JOIN LATERAL (${firstRun('d')}) fd
         ON NOT ${sameRelease('p', 'd')}
       LEFT JOIN LATERAL (${firstRun('p')}) fp ON fd.id IS NOT NULL`,
      [JSON.stringify(asked.map((a) => ({ id: a.id, predecessor_id: a.predecessorId })))],
    );
    return new Map(
      rows.map((r) => [
        String(r.id),
        {
          explicit: r.explicit as boolean,
          repository: r.repository as string,
          rules: {
            rollbackByRedeploy: (r.rollback_by_redeploy as boolean | null) ?? true,
            reverts: (r.reverts as boolean | null) ?? true,
            hotfixes: (r.hotfixes as boolean | null) ?? true,
            hotfix: {
              labels: (r.hotfix_labels as string[] | null) ?? DEFAULT_HOTFIX_RULES.labels,
              branchPrefixes:
                (r.hotfix_branch_prefixes as string[] | null) ??
                DEFAULT_HOTFIX_RULES.branchPrefixes,
              titlePatterns:
                (r.hotfix_title_patterns as string[] | null) ?? DEFAULT_HOTFIX_RULES.titlePatterns,
            },
          },
          predecessor: key(r.p_id, r.p_source, r.p_external_id),
          ranBefore:
            r.x_id === null || r.x_id === undefined
              ? null
              : { ...key(r.x_id, r.x_source, r.x_external_id), release: r.release as string },
        },
      ]),
    );
  }

  /**
   * The changes these deployments newly carry that the rules can read (a pull request's facts
   * or revert references); a change deployed before (ALREADY_DEPLOYED) is not new, and one whose
   * paths are unknown in a path-scoped service (UNKNOWN_PATHS) may not be the service's.
   */
  async carriedChanges(
    m: EntityManager,
    deploymentIds: readonly string[],
  ): Promise<Map<string, CarriedChange[]>> {
    if (deploymentIds.length === 0) return new Map();
    const rows = await m.query<Raw[]>(
      `SELECT dc.deployment_id, c.sha, c.pull_request_id, c.pr_title, c.pr_head_branch, c.pr_labels,
              c.reverts
       FROM deployment_changes dc JOIN changes c ON c.id = dc.change_id
       WHERE dc.deployment_id = ANY ($1::bigint[])
         AND coalesce(dc.excluded_reason, '') NOT IN ('ALREADY_DEPLOYED', 'UNKNOWN_PATHS')
         AND (cardinality(c.reverts) > 0 OR c.pr_title IS NOT NULL OR c.pr_head_branch IS NOT NULL
              OR c.pr_labels IS NOT NULL)
       ORDER BY dc.deployment_id, c.sha`,
      [deploymentIds],
    );
    const carried = new Map<string, CarriedChange[]>();
    for (const r of rows) {
      const id = String(r.deployment_id);
      carried.set(id, [
        ...(carried.get(id) ?? []),
        {
          sha: r.sha as string,
          pullRequestId: (r.pull_request_id as string | null) ?? null,
          title: (r.pr_title as string | null) ?? null,
          branch: (r.pr_head_branch as string | null) ?? null,
          labels: (r.pr_labels as string[] | null) ?? null,
          reverts: (r.reverts as string[] | null) ?? [],
        },
      ]);
    }
    return carried;
  }

  /**
   * For each (deployment, revert reference): the earlier deployment of its service and
   * environment that first shipped the reverted change (a pull request's commits, or a commit
   * by full or abbreviated SHA) in the deployment's repository. Keyed `<deploymentId> <ref>`.
   */
  async revertTargets(
    m: EntityManager,
    lookups: readonly {
      readonly deploymentId: string;
      readonly ref: string;
      readonly repository: string;
    }[],
  ): Promise<Map<string, DeploymentKey[]>> {
    if (lookups.length === 0) return new Map();
    const rows = await m.query<Raw[]>(
      `WITH v AS (
         SELECT * FROM ${recordset(
           [
             ['deployment_id', 'bigint'],
             ['ref', 'text'],
             ['repository', 'text'],
           ],
           1,
         )}),
       reverted AS (
         SELECT v.deployment_id, v.ref, c.id AS change_id FROM v
         CROSS JOIN LATERAL (
           SELECT c.id FROM changes c
           WHERE c.repository = v.repository AND c.pull_request_id = substr(v.ref, 4)) c
         WHERE v.ref LIKE 'pr:%'
         UNION ALL
         SELECT v.deployment_id, v.ref, c.id FROM v
         CROSS JOIN LATERAL (
           -- every full SHA with this prefix lies between prefix||'0…' and prefix||'f…'
           SELECT c.id FROM changes c
           WHERE c.repository = v.repository AND c.sha >= substr(v.ref, 5)
             AND c.sha <= substr(v.ref, 5) || repeat('f', greatest(0, 64 - length(v.ref) + 4))
             AND left(c.sha, length(v.ref) - 4) = substr(v.ref, 5)) c
         WHERE v.ref LIKE 'sha:%')
       SELECT DISTINCT ON (r.deployment_id, r.ref) r.deployment_id, r.ref, t.id, t.source, t.external_id
       FROM reverted r
       JOIN deployments d ON d.id = r.deployment_id
       JOIN deployment_changes dc ON dc.change_id = r.change_id
       JOIN deployments t ON t.id = dc.deployment_id
       JOIN environments te ON te.id = t.environment_id
       WHERE t.id <> d.id AND t.service_id = d.service_id AND t.environment_id = d.environment_id
         AND ${REACHED('t')} AND (${ORDER('t')}) < (${ORDER('d')})
       ORDER BY r.deployment_id, r.ref, ${ORDER('t')}`,
      [
        JSON.stringify(
          lookups.map((l) => ({
            deployment_id: l.deploymentId,
            ref: l.ref,
            repository: l.repository,
          })),
        ),
      ],
    );
    const targets = new Map<string, DeploymentKey[]>();
    for (const r of rows) {
      const k = `${String(r.deployment_id)} ${r.ref as string}`;
      targets.set(k, [...(targets.get(k) ?? []), key(r.id, r.source, r.external_id)]);
    }
    return targets;
  }

  /**
   * Stores what was inferred for these deployments (null: nothing): their inferred kind and
   * evidence, and their INFERRED remediation links, changing only what differs.
   */
  async write(
    m: EntityManager,
    results: readonly { readonly deploymentId: string; readonly inference: Inference | null }[],
  ): Promise<void> {
    if (results.length === 0) return;
    const kinds = results.map((r) => ({
      id: r.deploymentId,
      kind: r.inference?.kind ?? null,
      inference: r.inference ? { rule: r.inference.rule, reason: r.inference.reason } : null,
    }));
    const links = results.flatMap((r) =>
      (r.inference?.remediates ?? []).map((t) => ({
        deployment_id: r.deploymentId,
        target_source: t.source,
        target_external_id: t.externalId,
        rule: r.inference!.rule,
      })),
    );
    await m.query(
      `WITH k AS (
         SELECT * FROM ${recordset(
           [
             ['id', 'bigint'],
             ['kind', 'text'],
             ['inference', 'jsonb'],
           ],
           1,
           'k',
         )}),
       l AS (
         SELECT * FROM ${recordset(
           [
             ['deployment_id', 'bigint'],
             ['target_source', 'text'],
             ['target_external_id', 'text'],
             ['rule', 'text'],
           ],
           2,
           'l',
         )}),
       gone AS (
         DELETE FROM deployment_remediations x
         WHERE x.deployment_id = ANY ($3::bigint[]) AND x.attribution = 'INFERRED'
           AND NOT EXISTS (SELECT 1 FROM l WHERE l.deployment_id = x.deployment_id
                             AND l.target_source = x.target_source
                             AND l.target_external_id = x.target_external_id)),
       added AS (
         INSERT INTO deployment_remediations
           (deployment_id, target_kind, target_source, target_external_id, attribution, rule)
         SELECT l.deployment_id, 'DEPLOYMENT', l.target_source, l.target_external_id, 'INFERRED', l.rule
         FROM l ORDER BY 1, 3, 4
         ON CONFLICT (deployment_id, target_kind, target_source, target_external_id) DO UPDATE
           SET rule = EXCLUDED.rule
           WHERE deployment_remediations.attribution = 'INFERRED'
             AND deployment_remediations.rule IS DISTINCT FROM EXCLUDED.rule)
       UPDATE deployments d SET inferred_kind = k.kind, inference = k.inference, updated_at = now()
       FROM k WHERE d.id = k.id
         AND (d.inferred_kind, d.inference) IS DISTINCT FROM (k.kind, k.inference)`,
      [JSON.stringify(kinds), JSON.stringify(links), results.map((r) => r.deploymentId)],
    );
  }
}
