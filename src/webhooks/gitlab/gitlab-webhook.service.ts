import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { safeEqual, verifyStandardWebhook } from '../signatures.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import { type WebhookHost, webhookHosts } from '../webhook-hosts.js';
import { type Headers, bodyDedupeKey } from '../webhook-mapping.js';
import { invalidSignature, webhookNotConfigured } from '../webhooks.errors.js';
import { mapOrRefuse, parseJsonBody } from '../json-delivery.js';
import type { GitlabHookOptions } from './gitlab-payload.js';
import { mapGitlabDelivery } from './gitlab.mapper.js';

/**
 * POST /webhooks/gitlab: authentic when X-Gitlab-Token equals the token of a configured host
 * (constant time) or when the Standard Webhooks signature (GitLab signing tokens) verifies with
 * it; that host is the delivery's source. The dedupe key is the hash of the body: a resend, or a
 * replay with another Idempotency-Key or X-Gitlab-Instance (unsigned), is a DUPLICATE.
 * Well-formed deliveries are always acknowledged 2xx: GitLab disables a hook that answers 4xx,
 * so an event that ingestion rejects is stored raw with the reasons (202) instead of refused.
 */
@Injectable()
export class GitlabWebhookService {
  private readonly hosts: readonly WebhookHost[];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
  ) {
    this.hosts = webhookHosts('gitlab', config);
  }

  receive(
    headers: Headers,
    rawBody: Buffer,
    options: GitlabHookOptions,
    receivedAt: Date,
  ): Promise<WebhookReply> {
    return this.intake.handle('gitlab', async () => {
      if (this.hosts.length === 0) throw webhookNotConfigured('GITLAB_WEBHOOK_TOKEN');
      const host = authenticate(this.hosts, headers, rawBody, receivedAt);
      const payload = parseJsonBody(rawBody, this.config.jsonMaxDepth);
      const mapped = mapOrRefuse(() =>
        mapGitlabDelivery(
          headers,
          payload,
          receivedAt,
          { source: host.source, dedupeKey: bodyDedupeKey(rawBody) },
          options,
        ),
      );
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

/** The host whose token authenticates the delivery; every configured token is tried. */
function authenticate(
  hosts: readonly WebhookHost[],
  headers: Headers,
  rawBody: Buffer,
  now: Date,
): WebhookHost {
  let refused = '';
  for (const host of hosts) {
    const reason = refusal(host.secret, headers, rawBody, now);
    if (reason === null) return host;
    refused = reason;
  }
  throw invalidSignature(refused);
}

/** null when authentic, else why not. */
function refusal(token: string, headers: Headers, rawBody: Buffer, now: Date): string | null {
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
