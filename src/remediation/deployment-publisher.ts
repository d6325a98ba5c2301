import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { DeploymentHooks, type DeploymentTransition } from '../ingestion/deployment-hooks.js';
import { OutboxService } from './outbox.service.js';
import {
  publishActions,
  publishes,
  publishVerdictActions,
  type PublishSettings,
} from './publish-deployments.rule.js';
import type { ReleaseRef } from './remediation-action.js';
import { OutboxSenders } from './senders/senders.js';

/**
 * Publishes deployments (PUBLISH_DEPLOYMENTS_TO): when a deployment of a selected environment
 * reaches SUCCEEDED, one outbox action per tool is written INSIDE the ingestion transaction
 * (DeploymentHooks.onTransitions), so the action exists if and only if the deployment was
 * committed, and is delivered by the outbox with retries and the outbound allowlist.
 */
@Injectable()
export class DeploymentPublisher implements OnModuleInit {
  private readonly settings: PublishSettings;

  constructor(
    private readonly hooks: DeploymentHooks,
    private readonly outbox: OutboxService,
    senders: OutboxSenders,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = {
      channels: senders.publishChannels,
      environments: config.publishDeploymentsEnvironments,
      publicUrl: config.publicUrl,
    };
  }

  onModuleInit(): void {
    if (this.settings.channels.length === 0) return;
    this.hooks.onTransitions((manager, transitions) =>
      this.onDeploymentTransitions(manager, transitions),
    );
  }

  /**
   * Publishes a release verdict, in the verdict's transaction (VerdictService), to the tools of
   * PUBLISH_DEPLOYMENTS_TO when its deployment's environment is selected.
   */
  async publishVerdict(
    m: EntityManager,
    release: ReleaseRef,
    verdict: { readonly state: string; readonly reason: string; readonly at: Date },
  ): Promise<void> {
    if (this.settings.channels.length === 0) return;
    const rows: {
      tier: string;
      commit_sha: string | null;
      started_at: Date | null;
      finished_at: Date | null;
      last_event_at: Date;
      url: string | null;
    }[] = await m.query(
      `SELECT e.tier, d.commit_sha, d.started_at, d.finished_at, d.last_event_at, d.url
         FROM deployments d JOIN environments e ON e.id = d.environment_id
        WHERE d.id = $1`,
      [release.deploymentId],
    );
    const d = rows[0];
    if (!d) return;
    const actions = publishVerdictActions(
      {
        release,
        environmentTier: d.tier,
        commitSha: d.commit_sha,
        startedAt: d.started_at ? new Date(d.started_at) : null,
        finishedAt: new Date(d.finished_at ?? d.last_event_at),
        url: d.url,
      },
      verdict,
      this.settings,
    );
    for (const action of actions) await this.outbox.enqueue(m, action);
  }

  async onDeploymentTransitions(
    m: EntityManager,
    transitions: readonly DeploymentTransition[],
    now = new Date(),
  ): Promise<void> {
    const published = transitions.filter((t) => publishes(t, this.settings, now));
    if (published.length === 0) return;
    const rows: { id: string; url: string | null }[] = await m.query(
      `SELECT id::text AS id, url FROM deployments WHERE id = ANY($1::bigint[])`,
      [published.map((t) => t.deploymentId)],
    );
    const urls = new Map(rows.map((r) => [String(r.id), r.url]));
    for (const t of published) {
      for (const action of publishActions(t, urls.get(t.deploymentId) ?? null, this.settings)) {
        await this.outbox.enqueue(m, action);
      }
    }
  }
}
