import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { changeStart } from '../ingestion/changeset.calculator.js';
import { explainRelease, type ReleaseExplanation } from './release-explanation.rule.js';

interface ChangeRecord {
  sha: string;
  pull_request_id: string | null;
  pr_title: string | null;
  pr_url: string | null;
  pr_author: string | null;
  message: string | null;
  author: string | null;
  pr_first_commit_at: Date | null;
  pr_created_at: Date | null;
  committed_at: Date | null;
  authored_at: Date | null;
  lead_time_seconds: number | null;
  excluded_reason: string | null;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

/**
 * Reads what an alert says about a release (release-explanation.rule.ts): the deployment's
 * changeset as stored, in the caller's transaction (the verdict's), so that the outbox keeps a
 * snapshot of it and every retry sends the same.
 */
@Injectable()
export class ReleaseExplanations {
  async explain(
    m: EntityManager,
    deploymentId: string,
    verdict: { readonly reason: string; readonly evidenceUrl: string },
  ): Promise<ReleaseExplanation> {
    const [deployment] = await m.query<
      { changeset_status: string; changeset_note: string | null }[]
    >(`SELECT changeset_status, changeset_note FROM deployments WHERE id = $1`, [deploymentId]);
    const rows = await m.query<ChangeRecord[]>(
      `SELECT c.sha, c.pull_request_id, c.pr_title, c.pr_url, c.pr_author, c.message, c.author,
              c.pr_first_commit_at, c.pr_created_at, c.committed_at, c.authored_at,
              dc.lead_time_seconds, dc.excluded_reason
         FROM deployment_changes dc JOIN changes c ON c.id = dc.change_id
        WHERE dc.deployment_id = $1`,
      [deploymentId],
    );
    return explainRelease({
      changesetStatus: deployment?.changeset_status ?? 'UNKNOWN',
      changesetNote: deployment?.changeset_note ?? null,
      reason: verdict.reason,
      evidenceUrl: verdict.evidenceUrl,
      changes: rows.map((r) => ({
        sha: r.sha,
        pullRequestId: r.pull_request_id,
        pullRequestTitle: r.pr_title,
        pullRequestUrl: r.pr_url,
        pullRequestAuthor: r.pr_author,
        message: r.message,
        author: r.author,
        startedAt: changeStart({
          prFirstCommitAt: date(r.pr_first_commit_at),
          prCreatedAt: date(r.pr_created_at),
          committedAt: date(r.committed_at),
          authoredAt: date(r.authored_at),
        }),
        leadTimeSeconds: r.lead_time_seconds === null ? null : Number(r.lead_time_seconds),
        excludedReason: r.excluded_reason,
      })),
    });
  }
}
