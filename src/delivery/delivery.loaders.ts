import { Injectable } from '@nestjs/common';
import { BatchLoader, groupBy } from './batch-loader.js';
import {
  toDeployment,
  toDeploymentChange,
  toEnvironment,
  toIncident,
  toIncidentCause,
  toPipelineRun,
  toRemediation,
  toService,
} from './delivery.mappers.js';
import { DeliveryRepository } from './delivery.repository.js';
import type { DeploymentChange } from './models/change.model.js';
import type { Deployment, ReleaseTarget, RemediationRef } from './models/deployment.model.js';
import { releaseLead } from './release-targets.rule.js';
import type { Incident, IncidentCause } from './models/incident.model.js';
import type { PipelineRun } from './models/pipeline-run.model.js';
import type { Environment, Service } from './models/service.model.js';

export const naturalKey = (source: string, id: string): string => `${source}\u0000${id}`;

/** The loaders of one GraphQL request (so that nested lists cost one query per level). */
export class RequestLoaders {
  readonly service: BatchLoader<string, Service | null>;
  readonly environment: BatchLoader<string, Environment | null>;
  readonly deploymentByKey: BatchLoader<string, Deployment | null>;
  readonly changes: BatchLoader<string, DeploymentChange[]>;
  readonly releaseTargets: BatchLoader<string, ReleaseTarget[]>;
  readonly remediations: BatchLoader<string, RemediationRef[]>;
  readonly pipelineRun: BatchLoader<string, PipelineRun | null>;
  readonly incidentsOfDeployment: BatchLoader<string, Incident[]>;
  readonly servicesOfIncident: BatchLoader<string, Service[]>;
  readonly causesOfIncident: BatchLoader<string, IncidentCause[]>;

  constructor(repo: DeliveryRepository) {
    const one = <V>(load: (keys: string[]) => Promise<Map<string, V>>) =>
      new BatchLoader<string, V | null>(load, () => null);
    const many = <V>(load: (keys: string[]) => Promise<Map<string, V[]>>) =>
      new BatchLoader<string, V[]>(load, () => []);
    this.service = one(async (ids) => {
      const rows = (await repo.servicesByIds(ids)).map(toService);
      return new Map(rows.map((s) => [s.id, s]));
    });
    this.environment = one(async (ids) => {
      const rows = (await repo.environmentsByIds(ids)).map(toEnvironment);
      return new Map(rows.map((e) => [e.id, e]));
    });
    this.deploymentByKey = one(async (keys) => {
      const rows = await repo.deploymentsByKeys(keys);
      return new Map(
        rows.map((r) => [naturalKey(r.source as string, r.external_id as string), toDeployment(r)]),
      );
    });
    this.changes = many(async (ids) => {
      const groups = groupBy(await repo.changesOfDeployments(ids), (r) => String(r.deployment_id));
      return new Map([...groups].map(([k, rows]) => [k, rows.map(toDeploymentChange)]));
    });
    this.releaseTargets = many(async (ids) => {
      const groups = groupBy(await repo.releaseTargetsOfDeployments(ids), (r) => String(r.of_id));
      return new Map(
        [...groups].map(([k, rows]) => {
          const targets: ReleaseTarget[] = rows.map((r) => ({
            deploymentId: String(r.id),
            target: r.target as string,
            status: r.status as ReleaseTarget['status'],
            finishedAt: r.finished_at ? new Date(r.finished_at as string) : null,
            verification: (r.verification as string | null) ?? null,
            countsInDora: false,
          }));
          const lead = releaseLead(targets);
          return [k, targets.map((t) => ({ ...t, countsInDora: t.deploymentId === lead }))];
        }),
      );
    });
    this.remediations = many(async (ids) => {
      const groups = groupBy(await repo.remediationsOfDeployments(ids), (r) =>
        String(r.deployment_id),
      );
      return new Map([...groups].map(([k, rows]) => [k, rows.map(toRemediation)]));
    });
    this.pipelineRun = one(async (keys) => {
      const rows = await repo.latestRunsByKeys(keys);
      return new Map(
        rows.map((r) => [naturalKey(r.source as string, r.run_id as string), toPipelineRun(r)]),
      );
    });
    this.incidentsOfDeployment = many(async (keys) => {
      const groups = groupBy(await repo.incidentsByDeploymentKeys(keys), (r) =>
        naturalKey(r.cause_source as string, r.cause_external_id as string),
      );
      return new Map([...groups].map(([k, rows]) => [k, rows.map(toIncident)]));
    });
    this.servicesOfIncident = many(async (ids) => {
      const groups = groupBy(await repo.servicesOfIncidents(ids), (r) => String(r.incident_id));
      return new Map([...groups].map(([k, rows]) => [k, rows.map(toService)]));
    });
    this.causesOfIncident = many(async (ids) => {
      const groups = groupBy(await repo.causesOfIncidents(ids), (r) => String(r.incident_id));
      return new Map([...groups].map(([k, rows]) => [k, rows.map(toIncidentCause)]));
    });
  }
}

/** Hands out one RequestLoaders per GraphQL request (keyed by the request object). */
@Injectable()
export class DeliveryLoaders {
  private readonly perRequest = new WeakMap<object, RequestLoaders>();

  constructor(private readonly repo: DeliveryRepository) {}

  of(context: { req: object }): RequestLoaders {
    let loaders = this.perRequest.get(context.req);
    if (!loaders) {
      loaders = new RequestLoaders(this.repo);
      this.perRequest.set(context.req, loaders);
    }
    return loaders;
  }
}
