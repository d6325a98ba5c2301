import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import {
  allowedOutboundHosts,
  checkOutboundUrl,
  type HostCheck,
  type OutboundHosts,
} from './outbound-hosts.rule.js';
import type { RollbackTarget } from './remediation-action.js';
import { invalidRollbackTarget, outboundHostNotAllowed } from './remediation.errors.js';
import { validateRollbackTarget, type TargetProblem } from './rollback-target.rule.js';

/**
 * Where remediation may send requests. Verification calls `assertRollbackTarget` when a policy
 * is saved (so a bad target is refused with a coded error); the outbox applies the same rule at
 * enqueue time and again before every delivery.
 */
@Injectable()
export class OutboundPolicy {
  readonly allowedHosts: OutboundHosts;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowedHosts = allowedOutboundHosts(config);
  }

  checkUrl(url: string): HostCheck {
    return checkOutboundUrl(url, this.allowedHosts);
  }

  rollbackTargetProblems(target: RollbackTarget): TargetProblem[] {
    return validateRollbackTarget(target, this.allowedHosts);
  }

  /** Throws INVALID_ROLLBACK_TARGET or OUTBOUND_HOST_NOT_ALLOWED (both 400). */
  assertRollbackTarget(target: RollbackTarget): void {
    const problems = this.rollbackTargetProblems(target);
    const invalid = problems.filter((p) => p.code === 'INVALID_ROLLBACK_TARGET');
    if (invalid.length > 0) throw invalidRollbackTarget(invalid.map((p) => p.message));
    const host = problems.find((p) => p.code === 'OUTBOUND_HOST_NOT_ALLOWED');
    if (host) throw outboundHostNotAllowed('rollback', host.message);
  }
}
