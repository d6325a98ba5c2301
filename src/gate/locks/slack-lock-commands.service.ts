import { Injectable } from '@nestjs/common';
import type { Actor } from '../../auth/principal.js';
import { FreezeWindowsService } from '../freezes/freeze-windows.service.js';
import { DeployLocksService } from './deploy-locks.service.js';
import {
  helpAnswer,
  listAnswer,
  lockedAnswer,
  locksOn,
  nothingToUnlockAnswer,
  unlockedAnswer,
  usageAnswer,
  type LockCommand,
  type SlackCommandAnswer,
} from './slack-lock-command.rule.js';

/**
 * What a slash command asks, done through the deploy-lock and freeze-window services (the same
 * locks as GraphQL and the CLI take), answered as an ephemeral Slack message. A refusal of those
 * services (a DomainError) is the caller's to answer.
 */
@Injectable()
export class SlackLockCommands {
  constructor(
    private readonly locks: DeployLocksService,
    private readonly freezes: FreezeWindowsService,
  ) {}

  async run(
    asked: LockCommand,
    command: string,
    actor: Actor,
    now: Date,
  ): Promise<SlackCommandAnswer> {
    switch (asked.kind) {
      case 'help':
        return helpAnswer(command);
      case 'usage':
        return usageAnswer(command, asked.problem);
      case 'list': {
        const [locks, freezes] = await Promise.all([
          this.locks.list(true, 500, now),
          this.freezes.list(false, 500, now),
        ]);
        return listAnswer(
          locks,
          freezes.filter((w) => w.activeUntil === null || w.activeUntil > now),
        );
      }
      case 'lock': {
        const { target, seconds, reason } = asked;
        const until = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
        return lockedAnswer(await this.locks.lock({ ...target, reason, until }, actor, now));
      }
      case 'unlock-id':
        return unlockedAnswer([await this.locks.unlock(asked.id, actor, now)], now);
      case 'unlock-target': {
        const on = locksOn(await this.locks.list(true, 500, now), asked.target);
        if (on.length === 0) return nothingToUnlockAnswer(asked.target, command);
        const released = [];
        for (const l of on) released.push(await this.locks.unlock(l.id, actor, now));
        return unlockedAnswer(released, now);
      }
    }
  }
}
