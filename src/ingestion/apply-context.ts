import type { EntityManager } from 'typeorm';
import type { DeploymentTransition } from './deployment-hooks.js';
import type { DomainEvent, EnvironmentRef, ServiceRef } from './domain-events.js';
import { inferEnvironmentTier } from './environment-tier.rule.js';
import type { RefScope } from './ref-cache.js';
import type {
  EnvironmentKey,
  EnvironmentRecord,
  IngestionRepository,
  ServiceKey,
  ServiceRecord,
} from './ingestion.repository.js';

/** One event of a batch, with its position (outcomes and entity ids are reported per position). */
export interface Indexed<E extends DomainEvent = DomainEvent> {
  readonly index: number;
  readonly event: E;
}

/** What applying a batch produced: the entity per event, and deployment transitions. */
export interface Applied {
  readonly entityIds: Map<number, string>;
  readonly transitions: DeploymentTransition[];
}

/** The transaction and the clock of one batch. */
export interface ApplyContext {
  readonly manager: EntityManager;
  readonly refs: RefScope;
  /** Receive time: the occurrence time of events that carry none. */
  readonly receivedAt: Date;
}

export const occurredAt = (ctx: ApplyContext, e: DomainEvent): Date =>
  e.envelope.occurredAt ?? ctx.receivedAt;

export const serviceKey = (name: string, namespace: string | undefined): string =>
  `${name}\u0000${namespace ?? ''}`;

/** Creates or completes the services and environments the events name; maps them by key. */
export async function resolveRefs(
  ctx: ApplyContext,
  repo: IngestionRepository,
  services: readonly ServiceRef[],
  environments: readonly EnvironmentRef[],
): Promise<{ services: Map<string, ServiceRecord>; environments: Map<string, EnvironmentRecord> }> {
  const svc = new Map<string, ServiceKey>();
  for (const s of services) {
    const k = serviceKey(s.name, s.namespace);
    const prev = svc.get(k);
    svc.set(k, {
      name: s.name,
      namespace: s.namespace ?? '',
      // A blank team is no team (a CI template's empty variable), never a team named ''.
      team: (s.team?.trim() ? s.team : null) ?? prev?.team ?? null,
      repository: s.repository ?? prev?.repository ?? null,
    });
  }
  const env = new Map<string, EnvironmentKey>();
  for (const e of environments) {
    env.set(e.name, {
      name: e.name,
      tier: e.tier ?? env.get(e.name)?.tier ?? null,
      inferredTier: inferEnvironmentTier(e.name),
    });
  }
  // Known services and environments, with nothing new to record, need no query.
  const serviceRows = new Map<string, ServiceRecord>();
  const svcMissing: ServiceKey[] = [];
  for (const [k, want] of svc) {
    const hit = ctx.refs.service(k);
    // A stored team satisfies any wish: an event's team is only a default (ensureServices).
    if (hit && (want.team === null || hit.team !== null) && same(hit.repository, want.repository))
      serviceRows.set(k, hit);
    else svcMissing.push(want);
  }
  const environmentRows = new Map<string, EnvironmentRecord>();
  const envMissing: EnvironmentKey[] = [];
  for (const [name, want] of env) {
    const hit = ctx.refs.environment(name);
    if (hit && same(hit.tier, want.tier)) environmentRows.set(name, hit);
    else envMissing.push(want);
  }
  const svcRows = await repo.ensureServices(ctx.manager, svcMissing);
  const envRows = await repo.ensureEnvironments(ctx.manager, envMissing);
  const fetched = svcRows.map((r) => [serviceKey(r.name, r.namespace), r] as const);
  for (const [k, r] of fetched) serviceRows.set(k, r);
  for (const r of envRows) environmentRows.set(r.name, r);
  ctx.refs.remember(fetched, envRows);
  return { services: serviceRows, environments: environmentRows };
}

/** An absent wish (null) is satisfied by anything stored. */
const same = <T>(stored: T | null, wanted: T | null): boolean =>
  wanted === null || stored === wanted;
