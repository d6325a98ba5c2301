import { Injectable, Logger } from '@nestjs/common';
import { submitterOf, type Principal } from '../../auth/principal.js';
import { badInput, DomainError } from '../../common/errors/domain-error.js';
import { lockCovers } from '../locks/deploy-lock.rule.js';
import type { FreezeWindow, FreezeWindowInput } from './freeze-window.model.js';
import {
  freezeAt,
  freezeWindowTarget,
  type FreezeOccurrence,
  type FreezeTiming,
} from './freeze-window.rule.js';
import { FreezeWindowsRepository, type StoredFreezeWindow } from './freeze-windows.repository.js';

export const freezeWindowNotFound = (id: string): DomainError =>
  new DomainError('FREEZE_WINDOW_NOT_FOUND', `no freeze window has id ${id}`, { httpStatus: 404 });

const isId = (id: string): boolean => /^[1-9][0-9]{0,17}$/.test(id);

/** When a stored window freezes: from activeFrom (or its creation) until activeUntil or deletion. */
export const timingOf = (w: StoredFreezeWindow): FreezeTiming => {
  const ends = [w.activeUntil, w.deletedAt].filter((d): d is Date => d !== null);
  return {
    cron: w.cron,
    timeZone: w.timeZone,
    durationMinutes: w.durationMinutes,
    activeFrom: w.activeFrom ?? w.createdAt,
    activeUntil: ends.length ? new Date(Math.min(...ends.map((d) => d.getTime()))) : null,
  };
};

/** A window and its occurrence covering a deployment. */
export interface CoveringFreeze {
  readonly window: StoredFreezeWindow;
  readonly occurrence: FreezeOccurrence;
}

/** Recurring freeze windows: created and deleted by people (scope `triage`), read by the gate. */
@Injectable()
export class FreezeWindowsService {
  private readonly logger = new Logger('FreezeWindows');

  constructor(private readonly repo: FreezeWindowsRepository) {}

  async create(
    input: FreezeWindowInput,
    principal: Principal | undefined,
    now = new Date(),
  ): Promise<FreezeWindow> {
    const result = freezeWindowTarget(input, now);
    if (!result.ok) throw badInput(result.message, { field: result.field });
    const w = await this.repo.insert(
      result.target,
      submitterOf(principal) ?? 'anonymous',
      principal?.name ?? 'anonymous',
      now,
    );
    this.logger.log(
      `freeze window ${w.id} "${w.name}" (${w.scope} ${w.service ?? ''} ${w.environment ?? ''}; ${w.cron} ${w.timeZone} for ${w.durationMinutes} min) created by ${w.createdBy}: ${w.reason}`,
    );
    return this.view(w, now);
  }

  /** Idempotent: deleting a deleted window answers it as it is. */
  async delete(id: string, principal: Principal | undefined, now = new Date()) {
    if (!isId(id)) throw freezeWindowNotFound(id);
    const w = await this.repo.delete(id, submitterOf(principal) ?? 'anonymous', now);
    if (!w) throw freezeWindowNotFound(id);
    this.logger.log(`freeze window ${id} deleted by ${w.deletedBy ?? '?'}`);
    return this.view(w, now);
  }

  async list(withDeleted: boolean, first: number, now = new Date()): Promise<FreezeWindow[]> {
    if (!Number.isInteger(first) || first < 1 || first > 500)
      throw badInput('first: 1 to 500', { field: 'first' });
    const windows = await this.repo.list(withDeleted, first);
    return windows.map((w) => this.view(w, now));
  }

  /** The windows frozen at `now` that cover a deployment of this service to this environment. */
  async covering(
    service: string,
    namespace: string,
    environment: string,
    now: Date,
  ): Promise<CoveringFreeze[]> {
    const windows = await this.repo.inForce(environment, now);
    return windows.flatMap((window) => {
      if (!lockCovers(window, service, namespace, environment)) return [];
      const occurrence = freezeAt(timingOf(window), now);
      return occurrence ? [{ window, occurrence }] : [];
    });
  }

  private view(w: StoredFreezeWindow, now: Date): FreezeWindow {
    return { ...w, current: freezeAt(timingOf(w), now) };
  }
}
