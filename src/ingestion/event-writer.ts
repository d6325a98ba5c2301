import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../common/errors/database-unavailable.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { inSpan } from '../observability/tracing.js';
import type { Indexed } from './apply-context.js';
import { DeploymentHooks, type DeploymentTransition } from './deployment-hooks.js';
import type { DomainEvent, IngestOutcome, RawDelivery } from './domain-events.js';
import { EventApplier } from './event.applier.js';
import {
  IngestionRepository,
  payloadJson,
  type NaturalKey,
  type RawEventRow,
} from './ingestion.repository.js';
import { RefCache, type RefScope } from './ref-cache.js';
import { WriteCoalescer } from './write-coalescer.js';

/** A delivery with its validated, normalised events (none: stored as STORED_UNMAPPED). */
export interface Submission {
  readonly delivery: RawDelivery;
  readonly events: readonly DomainEvent[];
}

/** The most events one write merges from concurrent requests. */
const MAX_MERGED_EVENTS = 1_000;
/**
 * Writes of fewer events are merged; a larger one (an `ingestEvents` batch) amortises its own
 * round trips and goes at once, as its own transaction, so that small writes never queue behind it.
 */
const MERGED_BELOW = 20;
const MAX_ATTEMPTS = 5;
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Writes submissions to the database. Every write is ONE transaction: the raw events are
 * inserted first (`ON CONFLICT (source, dedupe_key) DO NOTHING`: a conflict means DUPLICATE and
 * nothing else of that delivery is applied), then the events are applied, then it commits.
 * Serialization failures and deadlocks are retried.
 *
 * Concurrent small writes are coalesced (WriteCoalescer): while the database's writers are busy,
 * the requests that arrive wait and then go as one transaction, with the same multi-row statements
 * a batch of one costs. Each caller still gets its own outcomes, after the commit.
 */
@Injectable()
export class EventWriter {
  private readonly coalescer: WriteCoalescer<readonly Submission[], IngestOutcome[]>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: IngestionRepository,
    private readonly applier: EventApplier,
    private readonly hooks: DeploymentHooks,
    private readonly refs: RefCache,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // Two writers keep PostgreSQL busy while Node prepares the next write (measured: more of
    // them merge less and cost more round trips; `npm run bench -- ingest`). Never more than
    // half the pool (reads and verification need connections too); the embedded database has
    // one connection, so one writer.
    const writers = config.databaseUrl ? Math.min(2, Math.floor(config.databasePoolSize / 2)) : 1;
    this.coalescer = new WriteCoalescer({
      maxConcurrent: Math.max(1, writers),
      maxSize: MAX_MERGED_EVENTS,
      size: eventCount,
      run: (jobs) => this.storeJobs(jobs),
      sharedFailure: isDatabaseUnavailable,
    });
  }

  /** One outcome per submission, in order, once committed; rejects when nothing could be stored. */
  async write(submissions: readonly Submission[]): Promise<IngestOutcome[]> {
    if (submissions.length === 0) return [];
    return eventCount(submissions) < MERGED_BELOW
      ? this.coalescer.submit(submissions)
      : this.store(submissions);
  }

  private async storeJobs(jobs: readonly (readonly Submission[])[]): Promise<IngestOutcome[][]> {
    const outcomes = await this.store(jobs.flat());
    let from = 0;
    return jobs.map((job) => outcomes.slice(from, (from += job.length)));
  }

  /** One transaction for all submissions; afterCommit listeners run once it committed. */
  private async store(submissions: readonly Submission[]): Promise<IngestOutcome[]> {
    const { outcomes, transitions, refs } = await inSpan(
      'ingestion.store',
      { 'shipwatch.deliveries': submissions.length },
      () => this.withRetry((m, refs) => this.storeIn(m, refs, submissions)),
    );
    refs.publish();
    this.hooks.emitCommitted(transitions);
    return outcomes;
  }

  private async storeIn(
    m: EntityManager,
    refs: RefScope,
    submissions: readonly Submission[],
  ): Promise<{ outcomes: IngestOutcome[]; transitions: DeploymentTransition[] }> {
    const payloads = submissions.map((s) => payloadJson(s.delivery.payload ?? null));
    const hashes = payloads.map(sha256);
    const keyOf = (s: Submission) => `${s.delivery.source}\u0000${s.delivery.dedupeKey}`;
    const rawIds = await this.repo.insertRawEvents(
      m,
      submissions.map((s, i): RawEventRow => ({
        source: s.delivery.source,
        dedupe_key: s.delivery.dedupeKey,
        transport: s.delivery.transport,
        kind: s.delivery.kind,
        occurred_at: s.delivery.occurredAt ?? null,
        payload_hash: hashes[i],
        headers: s.delivery.headers,
        payload: payloads[i],
        outcome: s.events.length > 0 ? 'ACCEPTED' : 'STORED_UNMAPPED',
        note: s.events.length > 0 ? null : (s.delivery.note ?? null),
      })),
    );
    // A key inserted by this write belongs to its first submission; a later one with the same
    // key (the same delivery sent twice at once) is a duplicate of it.
    const first = new Map<string, number>();
    submissions.forEach((s, i) => {
      if (rawIds.has(keyOf(s)) && !first.has(keyOf(s))) first.set(keyOf(s), i);
    });
    const fresh = (i: number) => first.get(keyOf(submissions[i])) === i;
    const events: Indexed[] = submissions.flatMap((s, index) =>
      fresh(index) ? s.events.map((event) => ({ index, event })) : [],
    );
    const applied = await this.applier.apply({ manager: m, refs, receivedAt: new Date() }, events);
    // A DUPLICATE answers with the entity its event names (the retry's caller needs the id).
    const duplicates = submissions.flatMap((s, i) => {
      const key = !fresh(i) && s.events[0] ? naturalKey(s.events[0]) : null;
      return key ? [{ i, key }] : [];
    });
    const existing = await this.repo.entityIdsByNaturalKey(
      m,
      duplicates.map((d) => d.key),
    );
    const existingOf = new Map(duplicates.map((d, k) => [d.i, existing[k]]));
    const outcomes: IngestOutcome[] = [];
    for (const [i, s] of submissions.entries()) {
      const rawEventId = rawIds.get(keyOf(s));
      if (!fresh(i)) {
        const earlier = first.get(keyOf(s));
        const stored =
          earlier !== undefined
            ? { hash: hashes[earlier], payload: JSON.parse(payloads[earlier]) as unknown }
            : await this.repo.rawEventPayload(
                m,
                s.delivery.source,
                s.delivery.dedupeKey,
                hashes[i],
              );
        const differing =
          stored !== null && stored.hash !== hashes[i]
            ? differingFields(stored.payload, JSON.parse(payloads[i]) as unknown)
            : [];
        outcomes.push({
          result: 'DUPLICATE',
          entityId: existingOf.get(i),
          errors: [],
          ...(stored !== null && stored.hash !== hashes[i]
            ? {
                differingFields: differing,
                note: `an event with this source and id but a different payload${differing.length > 0 ? ` (${differing.join(', ')})` : ''} was stored earlier; the first one is kept`,
              }
            : {}),
        });
      } else if (s.events.length === 0) {
        outcomes.push({
          result: 'ACCEPTED',
          rawEventId,
          errors: [],
          note:
            s.delivery.note ?? 'stored as received; Shipwatch does not model this kind of delivery',
        });
      } else {
        outcomes.push({
          result: 'ACCEPTED',
          rawEventId,
          entityId: applied.entityIds.get(i),
          errors: [],
        });
      }
    }
    return { outcomes, transitions: applied.transitions };
  }

  private async withRetry<T extends object>(
    work: (m: EntityManager, refs: RefScope) => Promise<T>,
  ): Promise<T & { refs: RefScope }> {
    for (let attempt = 1; ; attempt++) {
      const refs = this.refs.scope();
      try {
        return { ...(await this.dataSource.transaction((m) => work(m, refs))), refs };
      } catch (error) {
        const code = sqlState(error);
        // A cached service or environment that no longer exists: forget the cache, try again.
        if (code === FOREIGN_KEY_VIOLATION && attempt === 1) this.refs.clear();
        else if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
        Logger.debug(`transaction failed with ${code}; retry ${attempt}`, EventWriter.name);
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }
}

/** The key of the entity an event names (a change or a test result names none). */
function naturalKey(e: DomainEvent): NaturalKey | null {
  switch (e.type) {
    case 'deployment':
      return {
        table: 'deployments',
        source: e.deploymentSource ?? e.envelope.source,
        externalId: e.deploymentId,
      };
    case 'incident':
      return {
        table: 'incidents',
        source: e.incidentSource ?? e.envelope.source,
        externalId: e.incidentId,
      };
    case 'pipelineRun':
      return {
        table: 'pipeline_runs',
        source: e.envelope.source,
        externalId: e.runId,
        attempt: e.attempt ?? 1,
      };
    case 'change':
    case 'testResult':
      return null;
  }
}

/**
 * Top-level fields whose values differ between two payloads (objects), sorted. Key order does not
 * count: jsonb gives the stored payload back with its keys reordered.
 */
export function differingFields(a: unknown, b: unknown): string[] {
  const obj = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const x = obj(a);
  const y = obj(b);
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter((k) => canonical(x[k]) !== canonical(y[k]))
    .sort();
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** A write's size: its events, a delivery without events counting as one. */
const eventCount = (submissions: readonly Submission[]): number =>
  submissions.reduce((n, s) => n + Math.max(1, s.events.length), 0);

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
