import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { safeEqual, verifyStandardWebhook } from '../signatures.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import { type Headers, MappingError } from '../webhook-mapping.js';
import { invalidSignature, malformedPayload, webhookNotConfigured } from '../webhooks.errors.js';
import { type GitlabHookOptions, gitlabDedupeKey, mapGitlabDelivery } from './gitlab.mapper.js';

/**
 * POST /webhooks/gitlab: authentic when X-Gitlab-Token equals GITLAB_WEBHOOK_TOKEN (constant
 * time) or when the Standard Webhooks signature (GitLab signing tokens) verifies with it.
 * Well-formed deliveries are always acknowledged 2xx: GitLab disables a hook that answers 4xx,
 * so an event that ingestion rejects is stored raw with the reasons (202) instead of refused.
 */
@Injectable()
export class GitlabWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
  ) {}

  receive(
    headers: Headers,
    rawBody: Buffer,
    options: GitlabHookOptions,
    receivedAt: Date,
  ): Promise<WebhookReply> {
    return this.intake.handle('gitlab', async () => {
      const token = this.config.gitlabWebhookToken;
      if (!token) throw webhookNotConfigured('GITLAB_WEBHOOK_TOKEN');
      const refused = authenticate(token, headers, rawBody, receivedAt);
      if (refused) throw invalidSignature(refused);
      let payload: unknown;
      try {
        payload = JSON.parse(rawBody.toString('utf8'));
      } catch (error) {
        throw malformedPayload(`the body is not valid JSON: ${(error as Error).message}`);
      }
      let mapped;
      try {
        mapped = mapGitlabDelivery(
          headers,
          payload,
          receivedAt,
          gitlabDedupeKey(headers, rawBody),
          options,
        );
      } catch (error) {
        if (error instanceof MappingError) throw malformedPayload(error.message);
        throw error;
      }
      const outcome = await this.intake.deliver(
        'gitlab',
        'gitlab',
        mapped,
        headers,
        payload,
        'store',
      );
      return this.intake.reply(outcome);
    });
  }
}

/** null when authentic, else why not. */
function authenticate(token: string, headers: Headers, rawBody: Buffer, now: Date): string | null {
  const given = headers['x-gitlab-token'];
  const signature = headers['webhook-signature'];
  if (given !== undefined && safeEqual(given, token)) return null;
  if (signature !== undefined) {
    const reason = verifyStandardWebhook(
      token,
      rawBody,
      { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature },
      now,
    );
    if (!reason) return null;
    if (given === undefined) return reason;
  }
  return given === undefined
    ? 'send the secret token (X-Gitlab-Token) or sign with a signing token (webhook-signature)'
    : 'the X-Gitlab-Token does not match GITLAB_WEBHOOK_TOKEN';
}
