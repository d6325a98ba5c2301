import { Injectable, Logger } from '@nestjs/common';
import type { Actor } from '../../auth/principal.js';
import { badInput, DomainError } from '../../common/errors/domain-error.js';
import type { DeployLock, DeployLockInput } from './deploy-lock.model.js';
import { lockCovers, lockTarget } from './deploy-lock.rule.js';
import { DeployLocksRepository } from './deploy-locks.repository.js';

export const lockNotFound = (id: string): DomainError =>
  new DomainError('LOCK_NOT_FOUND', `no deploy lock has id ${id}`, { httpStatus: 404 });

const isId = (id: string): boolean => /^[1-9][0-9]{0,17}$/.test(id);

/**
 * Deploy locks: taken and released by people (a token with scope `triage`, or a Slack user through
 * the slash command), read by the gate.
 */
@Injectable()
export class DeployLocksService {
  private readonly logger = new Logger('DeployLocks');

  constructor(private readonly repo: DeployLocksRepository) {}

  async lock(input: DeployLockInput, actor: Actor, now = new Date()) {
    const result = lockTarget(input, now);
    if (!result.ok) throw badInput(result.message, { field: result.field });
    const lock = await this.repo.insert(result.target, actor.id, actor.name, now);
    this.logger.log(
      `deploy lock ${lock.id} (${lock.scope} ${lock.service ?? ''} ${lock.environment ?? ''}) taken by ${lock.lockedBy}: ${lock.reason}`,
    );
    return lock;
  }

  /** Idempotent: unlocking a released lock answers it as it is. */
  async unlock(id: string, actor: Actor, now = new Date()) {
    if (!isId(id)) throw lockNotFound(id);
    const lock = await this.repo.release(id, actor.id, now);
    if (!lock) throw lockNotFound(id);
    this.logger.log(`deploy lock ${id} released by ${lock.releasedBy ?? '?'}`);
    return lock;
  }

  list(active: boolean, first: number, now = new Date()): Promise<DeployLock[]> {
    if (!Number.isInteger(first) || first < 1 || first > 500)
      throw badInput('first: 1 to 500', { field: 'first' });
    return this.repo.list(active, first, now);
  }

  /** The locks in force that cover a deployment of this service to this environment. */
  async covering(service: string, namespace: string, environment: string, now: Date) {
    const locks = await this.repo.inForce(environment, now);
    return locks.filter((l) => lockCovers(l, service, namespace, environment));
  }
}
