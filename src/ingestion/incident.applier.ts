import { Injectable } from '@nestjs/common';
import {
  occurredAt,
  resolveRefs,
  serviceKey,
  type Applied,
  type ApplyContext,
  type Indexed,
} from './apply-context.js';
import type { IncidentEvent } from './domain-events.js';
import { applyIncidentEvent, sameIncidentState, type IncidentState } from './incident.state.js';
import { IngestionRepository } from './ingestion.repository.js';
import { applyKeyed, type KeyedStateSpec } from './keyed-state.js';
import { keyOf, type KeyedTable, type Row, rowDate, rowText } from './recordset.js';

export const INCIDENTS_TABLE: KeyedTable = {
  table: 'incidents',
  key: [
    ['source', 'text'],
    ['external_id', 'text'],
  ],
  columns: [
    ['source', 'text'],
    ['external_id', 'text'],
    ['environment_id', 'bigint'],
    ['title', 'text'],
    ['severity', 'text'],
    ['url', 'text'],
    ['impact_started_at', 'timestamptz'],
    ['detected_at', 'timestamptz'],
    ['mitigated_at', 'timestamptz'],
    ['resolved_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
  ],
};

/** Applies incident events: the incident row, its services and the deployments that caused it. */
@Injectable()
export class IncidentApplier {
  constructor(private readonly repo: IngestionRepository) {}

  async apply(ctx: ApplyContext, items: readonly Indexed<IncidentEvent>[]): Promise<Applied> {
    const applied: Applied = { entityIds: new Map(), transitions: [] };
    if (items.length === 0) return applied;
    const m = ctx.manager;
    const refs = await resolveRefs(
      ctx,
      this.repo,
      items.flatMap((i) => i.event.services),
      items.flatMap((i) => (i.event.environment ? [i.event.environment] : [])),
    );
    const key = (e: IncidentEvent): Row => ({
      source: e.incidentSource ?? e.envelope.source,
      external_id: e.incidentId,
    });
    // The environment named by the newest event that names one (filled in once, never moved).
    const environmentByKey = new Map<string, string>();
    for (const { event: e } of [...items].sort(
      (a, b) => occurredAt(ctx, a.event).getTime() - occurredAt(ctx, b.event).getTime(),
    )) {
      if (e.environment)
        environmentByKey.set(
          keyOf(INCIDENTS_TABLE, key(e)),
          refs.environments.get(e.environment.name)!.id,
        );
    }
    const spec: KeyedStateSpec<IncidentState, IncidentEvent> = {
      table: INCIDENTS_TABLE,
      fromRow: (r) => ({
        title: rowText(r.title),
        severity: rowText(r.severity),
        url: rowText(r.url),
        impactStartedAt: rowDate(r.impact_started_at),
        detectedAt: rowDate(r.detected_at),
        mitigatedAt: rowDate(r.mitigated_at),
        resolvedAt: rowDate(r.resolved_at),
        lastEventAt: rowDate(r.last_event_at)!,
      }),
      toRow: (k, s, locked) => ({
        ...k,
        environment_id:
          locked?.environment_id ?? environmentByKey.get(keyOf(INCIDENTS_TABLE, k)) ?? null,
        title: s.title,
        severity: s.severity,
        url: s.url,
        impact_started_at: s.impactStartedAt,
        detected_at: s.detectedAt,
        mitigated_at: s.mitigatedAt,
        resolved_at: s.resolvedAt,
        last_event_at: s.lastEventAt,
      }),
      merge: (current, e) => applyIncidentEvent(current, e, occurredAt(ctx, e)),
      same: (a, b) => sameIncidentState(a, b),
    };
    const results = await applyKeyed(
      m,
      spec,
      items.map((i) => ({ key: key(i.event), event: i.event })),
    );
    const idOf = (e: IncidentEvent) => results.get(keyOf(INCIDENTS_TABLE, key(e)))!.id;
    for (const i of items) applied.entityIds.set(i.index, idOf(i.event));

    // An environment learnt after the incident was created fills the gap (never moves it).
    const withEnvironment = [...results.entries()]
      .filter(([k]) => environmentByKey.has(k))
      .map(([k, r]) => ({ id: r.id, environment_id: environmentByKey.get(k) }));
    if (withEnvironment.length > 0)
      await m.query(
        `UPDATE incidents i SET environment_id = v.environment_id
         FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, environment_id bigint)
         WHERE i.id = v.id AND i.environment_id IS NULL`,
        [JSON.stringify(withEnvironment)],
      );

    await this.repo.insertIncidentServices(
      m,
      items.flatMap((i) =>
        i.event.services.map((s) => ({
          incident_id: idOf(i.event),
          service_id: refs.services.get(serviceKey(s.name, s.namespace))!.id,
        })),
      ),
    );
    await this.repo.insertIncidentCauses(
      m,
      items.flatMap((i) =>
        (i.event.causedBy ?? []).map((c) => ({
          incident_id: idOf(i.event),
          deployment_source: c.source ?? i.event.envelope.source,
          deployment_external_id: c.id,
        })),
      ),
    );
    await this.repo.insertIncidentVersionCauses(
      m,
      items.flatMap(({ event: e }) =>
        e.causedByVersion
          ? e.services.map((s) => ({
              incident_id: idOf(e),
              service_id: refs.services.get(serviceKey(s.name, s.namespace))!.id,
              environment_id: e.environment ? refs.environments.get(e.environment.name)!.id : null,
              version: e.causedByVersion!,
              at: (e.impactStartedAt ?? e.detectedAt ?? occurredAt(ctx, e)).toISOString(),
            }))
          : [],
      ),
    );
    return applied;
  }
}
