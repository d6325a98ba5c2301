import { Controller, HttpCode, Inject, Logger, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../../auth/principal.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { slackUserRefusal } from '../../webhooks/slack-access.rule.js';
import { signedSlackRequest } from '../../webhooks/slack-request.js';
import { malformedPayload, replayedRequest } from '../../webhooks/webhooks.errors.js';
import { SlackCommandRequestsRepository } from './slack-command-requests.repository.js';
import {
  lockCommand,
  refusedAnswer,
  slashCommand,
  type SlackCommandAnswer,
} from './slack-lock-command.rule.js';
import { SlackLockCommands } from './slack-lock-commands.service.js';

/**
 * The Slack slash command for deploy locks (the Request URL of the Slack app's command,
 * docs/gate.md "From Slack"). Public route: Slack signs each request with the app's signing
 * secret; an unsigned, stale or replayed one is refused with 401 and a JSON `{error: {code,
 * message}}` before anything is read from it. Every signed command is answered 200 with an
 * ephemeral message, within Slack's three seconds: text that asks nothing known gets the usage,
 * a refusal (not allowed, bad input, unknown lock) says why.
 */
@Controller()
export class SlackLockCommandsController {
  private readonly logger = new Logger('SlackLockCommands');

  constructor(
    private readonly commands: SlackLockCommands,
    private readonly requests: SlackCommandRequestsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('webhooks/slack/commands')
  @HttpCode(200)
  async receive(@Req() req: RawBodyRequest<Request>): Promise<SlackCommandAnswer> {
    const now = new Date();
    const signed = signedSlackRequest(this.config.slackSigningSecret, req, now);
    const read = slashCommand(signed.body);
    if (!read.ok) throw malformedPayload(read.problem);
    if (!(await this.requests.claim(signed.requestKey, now))) throw replayedRequest();
    const c = read.command;
    const refusal = slackUserRefusal(
      { teamIds: this.config.slackAllowedTeamIds, userIds: this.config.slackAllowedUserIds },
      c,
    );
    if (refusal) {
      this.logger.warn(`${c.command} from ${c.userId} refused: ${refusal}`);
      return refusedAnswer(refusal);
    }
    const actor: Actor = { id: `slack:${c.userId}`, name: c.userName };
    try {
      return await this.commands.run(lockCommand(c.text), c.command, actor, now);
    } catch (error) {
      if (error instanceof DomainError && error.httpStatus < 500)
        return refusedAnswer(error.message);
      throw error;
    }
  }
}
