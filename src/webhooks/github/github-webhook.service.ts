import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { verifyGithubSignature } from '../signatures.js';
import { type WebhookHost, webhookHosts } from '../webhook-hosts.js';
import { type WebhookReply, WebhookIntakeService } from '../webhook-intake.service.js';
import {
  type Headers,
  type JsonObject,
  MappingError,
  bodyDedupeKey,
  parseWebhookJson,
} from '../webhook-mapping.js';
import { invalidSignature, webhookNotConfigured } from '../webhooks.errors.js';
import { mapOrRefuse } from '../json-delivery.js';
import { GithubProtectionRules } from '../../github-app/protection-rules.service.js';
import { protectionRequest } from './github-protection.mapper.js';
import { mapGithubDelivery } from './github.mapper.js';

/**
 * POST /webhooks/github: verifies X-Hub-Signature-256 over the raw body (constant time) with the
 * secret of each configured host; the host whose secret verifies it is the delivery's source.
 * The dedupe key is the hash of the signed body: a redelivery, or a replay with another
 * X-GitHub-Delivery or X-GitHub-Enterprise-Host (both unsigned), is a DUPLICATE.
 */
@Injectable()
export class GithubWebhookService {
  private readonly hosts: readonly WebhookHost[];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
    private readonly protectionRules: GithubProtectionRules,
  ) {
    this.hosts = webhookHosts('github', config);
  }

  receive(headers: Headers, rawBody: Buffer): Promise<WebhookReply> {
    return this.intake.handle('github', async () => {
      if (this.hosts.length === 0) throw webhookNotConfigured('GITHUB_WEBHOOK_SECRET');
      const host = signer(this.hosts, rawBody, headers['x-hub-signature-256']);
      const payload = mapOrRefuse(() => githubPayload(headers, rawBody, this.config.jsonMaxDepth));
      const mapped = mapOrRefuse(() =>
        mapGithubDelivery(headers, payload, {
          source: host.source,
          dedupeKey: bodyDedupeKey(rawBody),
        }),
      );
      const outcome = await this.intake.deliver(
        'github',
        'github',
        mapped,
        headers,
        payload,
        'refuse',
      );
      const reply = this.intake.reply(outcome);
      if (mapped.kind === 'deployment_protection_rule') {
        // after the delivery is stored; a redelivery (DUPLICATE) queues it again, a no-op
        // unless the first attempt failed in between
        await this.protectionRules.accept(
          protectionRequest(payload as JsonObject),
          mapped.dedupeKey,
        );
      }
      // ping is stored but maps to nothing; GitHub shows it as the hook's health check: 200
      return mapped.kind === 'ping' ? { ...reply, status: 200 } : reply;
    });
  }
}

/** The host whose secret signed the body; every secret is tried (the list is configuration). */
function signer(hosts: readonly WebhookHost[], rawBody: Buffer, header: string | undefined) {
  let refused = '';
  for (const host of hosts) {
    const reason = verifyGithubSignature(host.secret, rawBody, header);
    if (reason === null) return host;
    refused = reason;
  }
  throw invalidSignature(refused);
}

/**
 * The JSON payload: the body (content type application/json), or its `payload` field when the
 * webhook is set to application/x-www-form-urlencoded.
 */
function githubPayload(headers: Headers, rawBody: Buffer, maxDepth: number): unknown {
  const form = (headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded');
  if (!form) return parseWebhookJson(rawBody, 'the payload', maxDepth);
  const json = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (json === null) throw new MappingError('the form body has no payload field');
  return parseWebhookJson(json, 'the payload', maxDepth);
}
