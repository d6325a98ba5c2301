import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { submitterOf, type Principal } from '../auth/principal.js';
import { badInput } from '../common/errors/domain-error.js';
import { toIncident, type DbRow } from '../delivery/delivery.mappers.js';
import type { IncidentAttribution } from '../delivery/models/delivery.enums.js';
import type { IncidentTriageArgs, ReviewIncidentCauseInput } from './dto/triage.input.js';
import {
  TriageDecision,
  TriageStatus,
  type IncidentCauseReview,
  type TriageItem,
  type TriageReason,
} from './models/triage.model.js';
import { deploymentNotFound, explicitCause, incidentNotFound } from './triage.errors.js';
import { TriageRepository } from './triage.repository.js';

const MAX_REASON = 2000;
const DEFAULT_DAYS = 30;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const PENDING = [TriageStatus.SUSPECTED, TriageStatus.UNRESOLVED];
const isId = (id: string) => /^\d{1,18}$/.test(id);

/**
 * Incident triage (docs/dora.md, "Incident triage"): lists the links between incidents and
 * deployments that wait for a person, and records each decision with its audit entry in one
 * transaction. A confirmed link counts in the change failure rate (attribution CONFIRMED); a
 * rejected one counts nowhere and ends the window suspicion of that pair.
 */
@Injectable()
export class TriageService {
  private readonly logger = new Logger(TriageService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: TriageRepository,
  ) {}

  async list(args: IncidentTriageArgs, now: Date): Promise<TriageItem[]> {
    const until = args.until ?? now;
    const since = args.since ?? new Date(until.getTime() - DEFAULT_DAYS * 86_400_000);
    if (since.getTime() > until.getTime())
      throw badInput('since must not be after until', { field: 'since' });
    const limit = args.first ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw badInput(`first must be 1 to ${MAX_LIMIT}`, { field: 'first' });
    const statuses = args.status && args.status.length > 0 ? args.status : PENDING;
    const rows = await this.repo.links(since, until, statuses, limit);
    return rows.map((r) => ({
      incident: toIncident(r),
      deploymentSource: r.link_deployment_source as string,
      deploymentExternalId: r.link_deployment_external_id as string,
      deployment: null,
      status: r.link_status as TriageStatus,
      reason: r.link_reason as TriageReason,
    }));
  }

  async review(
    decision: TriageDecision,
    input: ReviewIncidentCauseInput,
    principal: Principal | undefined,
  ): Promise<IncidentCauseReview> {
    const reason = input.reason.trim();
    if (reason === '')
      throw badInput('give a reason: it is kept in the audit', { field: 'reason' });
    if (reason.length > MAX_REASON)
      throw badInput(`reason: at most ${MAX_REASON} characters`, { field: 'reason' });
    if (!isId(input.incidentId)) throw incidentNotFound(input.incidentId);
    if (!isId(input.deploymentId)) throw deploymentNotFound(input.deploymentId);
    const review = await this.dataSource.transaction(async (m) => {
      if (!(await this.repo.lockIncident(m, input.incidentId)))
        throw incidentNotFound(input.incidentId);
      const key = await this.repo.deploymentKey(m, input.deploymentId);
      if (!key) throw deploymentNotFound(input.deploymentId);
      const previous = await this.repo.attribution(m, input.incidentId, key.source, key.externalId);
      if (previous === 'EXPLICIT' && decision === TriageDecision.REJECTED)
        throw explicitCause(input.incidentId, input.deploymentId);
      await this.repo.setAttribution(m, input.incidentId, key.source, key.externalId, decision);
      return this.repo.insertReview(m, {
        incidentId: input.incidentId,
        source: key.source,
        externalId: key.externalId,
        decision,
        previous,
        attribution: previous === 'EXPLICIT' ? 'EXPLICIT' : decision,
        reason,
        actor: submitterOf(principal) ?? 'anonymous',
        actorName: principal?.name ?? 'anonymous',
      });
    });
    this.logger.log(
      `incident ${input.incidentId}: deployment ${input.deploymentId} ${decision.toLowerCase()} as its cause by ${String(review.actor)}`,
    );
    return toReview(review);
  }

  async reviewsOf(incidentIds: readonly string[]): Promise<Map<string, IncidentCauseReview[]>> {
    const out = new Map<string, IncidentCauseReview[]>();
    for (const r of await this.repo.reviewsOfIncidents(incidentIds)) {
      const review = toReview(r);
      out.set(review.incidentId, [...(out.get(review.incidentId) ?? []), review]);
    }
    return out;
  }
}

function toReview(r: DbRow): IncidentCauseReview {
  return {
    id: String(r.id),
    incidentId: String(r.incident_id),
    deploymentSource: r.deployment_source as string,
    deploymentExternalId: r.deployment_external_id as string,
    decision: r.decision as TriageDecision,
    previousAttribution: (r.previous_attribution as IncidentAttribution | null) ?? null,
    attribution: r.attribution as IncidentAttribution,
    reason: r.reason as string,
    actor: r.actor as string,
    actorName: r.actor_name as string,
    reviewedAt: r.reviewed_at instanceof Date ? r.reviewed_at : new Date(r.reviewed_at as string),
  };
}
