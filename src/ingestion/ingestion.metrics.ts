import { counter, histogram, LATENCY_BUCKETS } from '../observability/metrics.js';
import type { DomainEvent, IngestResult } from './domain-events.js';

export type IngestedKind = DomainEvent['type'] | 'unmapped';
const KINDS: readonly IngestedKind[] = [
  'pipelineRun',
  'deployment',
  'change',
  'incident',
  'testResult',
  'unmapped',
];
const RESULTS: readonly IngestResult[] = ['ACCEPTED', 'DUPLICATE', 'REJECTED'];

export const eventsIngested = counter(
  'shipwatch_events_ingested_total',
  'Events received by ingestion (GraphQL, webhooks, CLI) by kind and result',
  ['kind', 'result'] as const,
);
for (const kind of KINDS) for (const result of RESULTS) eventsIngested.inc({ kind, result }, 0);

export const ingestDuration = histogram(
  'shipwatch_ingest_duration_seconds',
  'Time to validate, store and apply one delivery (mode=delivery) or one ingestEvents batch (mode=batch)',
  ['mode'] as const,
  LATENCY_BUCKETS,
);
