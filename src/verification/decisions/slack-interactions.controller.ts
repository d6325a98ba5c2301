import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '../../common/errors/domain-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { SlackResponses } from '../../remediation/slack-responses.js';
import { slackUserRefusal } from '../../webhooks/slack-access.rule.js';
import { signedSlackRequest } from '../../webhooks/slack-request.js';
import { malformedPayload } from '../../webhooks/webhooks.errors.js';
import { decidedMessage, slackInteraction } from './slack-interaction.rule.js';
import { VerificationDecisionsService } from './verification-decisions.service.js';

/**
 * Slack interactivity (the Request URL of a Slack app): the Approve rollback and Mark healthy
 * buttons of an advised FAILED release. Public route: Slack signs each request with the app's
 * signing secret (SLACK_SIGNING_SECRET); an unsigned, stale or replayed one is refused with 401
 * before anything is read from it. Refusals answer `{error: {code, message}}`. A decision
 * replaces the message clicked on with its outcome (SlackResponses, through the outbox).
 */
@Controller()
export class SlackInteractionsController {
  constructor(
    private readonly decisions: VerificationDecisionsService,
    private readonly responses: SlackResponses,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('webhooks/slack/interactions')
  @HttpCode(200)
  async receive(@Req() req: RawBodyRequest<Request>): Promise<{ ok: true; text: string }> {
    const signed = signedSlackRequest(this.config.slackSigningSecret, req, new Date());
    const interaction = slackInteraction(signed.body);
    if (!interaction.ok) throw malformedPayload(interaction.problem);
    const d = interaction.decision;
    const refusal = slackUserRefusal(
      { teamIds: this.config.slackAllowedTeamIds, userIds: this.config.slackAllowedUserIds },
      d,
    );
    if (refusal) throw new DomainError('FORBIDDEN', refusal, { httpStatus: 403 });
    const responseUrl = d.responseUrl;
    const decided = await this.decisions.decide(
      d.verificationId,
      { action: d.action, reason: d.reason },
      { ...d.actor, requestKey: signed.requestKey },
      responseUrl
        ? (m, done) =>
            this.responses.enqueue(
              m,
              { key: `decision:${done.decisionId}`, deploymentId: done.deploymentId, responseUrl },
              decidedMessage(d, done.at),
            )
        : undefined,
    );
    return {
      ok: true,
      text: `${d.action === 'APPROVE_ROLLBACK' ? 'Rollback approved' : 'Marked healthy'} by ${decided.actorName}`,
    };
  }
}
