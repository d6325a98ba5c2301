import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { GateService } from '../gate/gate.service.js';
import type { OutboxEntryEntity } from '../remediation/outbox.entity.js';
import { OutboxHandlers } from '../remediation/outbox-handlers.js';
import { OutboxService } from '../remediation/outbox.service.js';
import {
  DELIVERY_TIMEOUT_MS,
  type DeliveryResult,
} from '../remediation/senders/outbound-request.js';
import type { ProtectionRequest } from '../webhooks/github/github-protection.mapper.js';
import { GithubAppClient } from './github-app.client.js';
import { callbackUrlRefusal, protectionAnswer } from './protection-answer.rule.js';

export const PROTECTION_KIND = 'GITHUB_PROTECTION';
export const PROTECTION_CHANNEL = 'GITHUB_APP';

/**
 * Answers GitHub deployment protection rules as the GitHub App (docs/gate.md). The webhook
 * stores the delivery, then `accept` puts the request into the remediation outbox (idempotency
 * key: the delivery's dedupe key, so a redelivery neither answers twice nor is lost when the
 * first enqueue failed). The outbox dispatcher calls `deliver`, with its leases and retries: the
 * gate decides now, the App's JWT buys an installation token, and the review is posted to the
 * callback URL, which must be on GITHUB_API_URL.
 */
@Injectable()
export class GithubProtectionRules implements OnModuleInit {
  private readonly logger = new Logger(GithubProtectionRules.name);
  private readonly client: GithubAppClient | null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly gate: GateService,
    private readonly outbox: OutboxService,
    private readonly handlers: OutboxHandlers,
  ) {
    const { githubAppId: appId, githubAppPrivateKey: privateKey } = config;
    this.client =
      appId !== undefined && privateKey !== undefined
        ? new GithubAppClient({
            appId,
            privateKey,
            apiUrl: config.githubApiUrl,
            userAgent: `Shipwatch/${config.version}`,
            timeoutMs: DELIVERY_TIMEOUT_MS,
          })
        : null;
  }

  onModuleInit(): void {
    this.handlers.register(PROTECTION_KIND, (entry) => this.deliver(entry));
  }

  /** Queues the answer (once per delivery body); a request that cannot be answered is stored DEAD. */
  async accept(asked: ProtectionRequest, dedupeKey: string): Promise<void> {
    const refusal = this.refusal(asked);
    await this.outbox.enqueueHandled(this.dataSource.manager, {
      idempotencyKey: `github-protection:${dedupeKey}`,
      kind: PROTECTION_KIND,
      channel: PROTECTION_CHANNEL,
      deploymentId: `github:${asked.repository}:${asked.deploymentId}`,
      payload: { action: { ...asked } },
      status: refusal ? 'DEAD' : 'PENDING',
      lastError: refusal ? `refused: ${refusal}` : null,
    });
  }

  /** The coded reason why no answer may be sent, or null. */
  private refusal(asked: ProtectionRequest): string | null {
    if (!this.client) {
      return 'GITHUB_APP_NOT_CONFIGURED: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or _FILE) to answer deployment protection rules';
    }
    const refused = callbackUrlRefusal(asked.callbackUrl, this.config.githubApiUrl);
    return refused ? `${refused.code}: ${refused.message}` : null;
  }

  async deliver(entry: OutboxEntryEntity): Promise<DeliveryResult> {
    const asked = entry.payload.action as unknown as ProtectionRequest;
    const refusal = this.refusal(asked);
    if (refusal || !this.client) {
      this.logger.warn(`not answering ${entry.idempotencyKey}: ${refusal ?? ''}`);
      return { ok: false, retryable: false, error: `refused: ${refusal ?? ''}` };
    }
    let answer;
    try {
      const decided = await this.gate.decide({
        service: asked.service,
        namespace: asked.namespace ?? null,
        environment: asked.environment,
        version: asked.version ?? null,
      });
      answer = protectionAnswer(decided, asked, this.config.githubGateIncomplete);
    } catch (error) {
      return {
        ok: false,
        retryable: true,
        error: `the gate could not decide: ${(error as Error).message}`,
      };
    }
    const token = await this.client.installationToken(asked.installationId, new Date());
    if (!token.ok) return token;
    const result = await this.client.review(asked.callbackUrl, token.token, {
      environment_name: asked.environment,
      state: answer.state,
      comment: answer.comment,
    });
    if (result.ok) {
      this.logger.log(
        `${answer.state} ${asked.repository} deployment ${asked.deploymentId} to ${asked.environment} (${entry.idempotencyKey})`,
      );
    }
    return result;
  }
}
