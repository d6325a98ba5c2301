import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { verifyGithubSignature } from '../signatures.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import { type Headers, MappingError } from '../webhook-mapping.js';
import { invalidSignature, malformedPayload, webhookNotConfigured } from '../webhooks.errors.js';
import { mapGithubDelivery } from './github.mapper.js';

/**
 * POST /webhooks/github: verifies X-Hub-Signature-256 over the raw body (constant time), then
 * maps and ingests the delivery; X-GitHub-Delivery is its dedupe key (kept across redeliveries).
 */
@Injectable()
export class GithubWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
  ) {}

  receive(headers: Headers, rawBody: Buffer, receivedAt: Date): Promise<WebhookReply> {
    return this.intake.handle('github', async () => {
      const secret = this.config.githubWebhookSecret;
      if (!secret) throw webhookNotConfigured('GITHUB_WEBHOOK_SECRET');
      const refused = verifyGithubSignature(secret, rawBody, headers['x-hub-signature-256']);
      if (refused) throw invalidSignature(refused);
      const payload = githubPayload(headers, rawBody);
      let mapped;
      try {
        mapped = mapGithubDelivery(headers, payload, receivedAt);
      } catch (error) {
        if (error instanceof MappingError) throw malformedPayload(error.message);
        throw error;
      }
      const outcome = await this.intake.deliver(
        'github',
        'github',
        mapped,
        headers,
        payload,
        'refuse',
      );
      const reply = this.intake.reply(outcome);
      // ping is stored but maps to nothing; GitHub shows it as the hook's health check: 200
      return mapped.kind === 'ping' ? { ...reply, status: 200 } : reply;
    });
  }
}

/**
 * The JSON payload: the body (content type application/json), or its `payload` field when the
 * webhook is set to application/x-www-form-urlencoded.
 */
function githubPayload(headers: Headers, rawBody: Buffer): unknown {
  const text = rawBody.toString('utf8');
  const form = (headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded');
  const json = form ? new URLSearchParams(text).get('payload') : text;
  if (json === null) throw malformedPayload('the form body has no payload field');
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw malformedPayload(`the payload is not valid JSON: ${(error as Error).message}`);
  }
}
