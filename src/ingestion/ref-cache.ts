import { Injectable } from '@nestjs/common';
import type { EnvironmentRecord, ServiceRecord } from './ingestion.repository.js';

/** How long a cached service or environment is trusted (bounds staleness across replicas). */
const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry<V> {
  readonly value: V;
  readonly until: number;
}

/**
 * Services and environments seen recently, so that the common event (a known service, no new
 * team) costs no query for them. Rows are never deleted while Shipwatch runs; should one be (a
 * test emptying tables), the insert that names it fails with a foreign key violation and
 * IngestionService clears this cache and retries the transaction.
 *
 * A transaction reads and fills a `RefScope`: what it creates becomes visible to other
 * transactions only once it committed (`publish`), so that none of them names a row that may
 * still roll back.
 */
@Injectable()
export class RefCache {
  private readonly services = new Map<string, Entry<ServiceRecord>>();
  private readonly environments = new Map<string, Entry<EnvironmentRecord>>();

  service(key: string, now = Date.now()): ServiceRecord | undefined {
    return fresh(this.services, key, now);
  }

  environment(name: string, now = Date.now()): EnvironmentRecord | undefined {
    return fresh(this.environments, name, now);
  }

  remember(
    services: readonly (readonly [string, ServiceRecord])[],
    environments: readonly EnvironmentRecord[],
    now = Date.now(),
  ): void {
    for (const [key, s] of services) put(this.services, key, s, now);
    for (const e of environments) put(this.environments, e.name, e, now);
  }

  /** A transaction's view: the cache plus what the transaction itself created or read. */
  scope(): RefScope {
    const services: (readonly [string, ServiceRecord])[] = [];
    const environments: EnvironmentRecord[] = [];
    const own = new RefCache();
    return {
      service: (key) => own.service(key) ?? this.service(key),
      environment: (name) => own.environment(name) ?? this.environment(name),
      remember: (s, e) => {
        own.remember(s, e);
        services.push(...s);
        environments.push(...e);
      },
      publish: () => this.remember(services, environments),
    };
  }

  clear(): void {
    this.services.clear();
    this.environments.clear();
  }
}

/** The cache as one transaction sees it (see RefCache.scope). */
export interface RefScope {
  service(key: string): ServiceRecord | undefined;
  environment(name: string): EnvironmentRecord | undefined;
  remember(
    services: readonly (readonly [string, ServiceRecord])[],
    environments: readonly EnvironmentRecord[],
  ): void;
  /** After the commit: share what this transaction learnt. */
  publish(): void;
}

function fresh<V>(map: Map<string, Entry<V>>, key: string, now: number): V | undefined {
  const entry = map.get(key);
  return entry && entry.until > now ? entry.value : undefined;
}

function put<V>(map: Map<string, Entry<V>>, key: string, value: V, now: number): void {
  if (map.size >= MAX_ENTRIES) map.clear();
  map.set(key, { value, until: now + TTL_MS });
}
