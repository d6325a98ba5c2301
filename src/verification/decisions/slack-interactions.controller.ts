import { Controller, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { verifySlackSignature } from '../../webhooks/signatures.js';
import {
  invalidSignature,
  malformedPayload,
  webhookNotConfigured,
} from '../../webhooks/webhooks.errors.js';
import { slackInteraction } from './slack-interaction.rule.js';
import { VerificationDecisionsService } from './verification-decisions.service.js';

/**
 * Slack interactivity (the Request URL of a Slack app): the Approve rollback and Mark healthy
 * buttons of an advised FAILED release. Public route: Slack signs each request with the app's
 * signing secret (SLACK_SIGNING_SECRET); an unsigned, stale or replayed one is refused with 401
 * before anything is read from it. Refusals answer `{error: {code, message}}`.
 */
@Controller()
export class SlackInteractionsController {
  constructor(
    private readonly decisions: VerificationDecisionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('webhooks/slack/interactions')
  @HttpCode(200)
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers('x-slack-request-timestamp') timestamp?: string,
    @Headers('x-slack-signature') signature?: string,
  ): Promise<{ ok: true; text: string }> {
    const secret = this.config.slackSigningSecret;
    if (!secret) throw webhookNotConfigured('SLACK_SIGNING_SECRET');
    const body = req.rawBody ?? Buffer.alloc(0);
    const refused = verifySlackSignature(secret, body, { timestamp, signature }, new Date());
    if (refused) throw invalidSignature(refused);
    const interaction = slackInteraction(body.toString('utf8'));
    if (!interaction.ok) throw malformedPayload(interaction.problem);
    const d = interaction.decision;
    const decided = await this.decisions.decide(
      d.verificationId,
      { action: d.action, reason: d.reason },
      { ...d.actor, requestKey: signature!.trim().toLowerCase() },
    );
    return {
      ok: true,
      text: `${d.action === 'APPROVE_ROLLBACK' ? 'Rollback approved' : 'Marked healthy'} by ${decided.actorName}`,
    };
  }
}
