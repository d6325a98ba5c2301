import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { DeploymentHooks, type DeploymentTransition } from '../ingestion/deployment-hooks.js';
import { OutboxService } from './outbox.service.js';
import { publishActions, publishes, type PublishSettings } from './publish-deployments.rule.js';
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
