import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { badInput } from '../common/errors/domain-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import type { EnvironmentTier } from '../ingestion/domain-events.js';
import { OutboundPolicy } from '../remediation/outbound-policy.js';
import { OutboxService } from '../remediation/outbox.service.js';
import { invalidRollbackTarget, secretEnvNotSet } from '../remediation/remediation.errors.js';
import {
  resolveTargetSecret,
  secretReferenceProblems,
} from '../remediation/rollback-target.rule.js';
import { RESERVED_SECRET_VARIABLES, secretEnvironment } from '../remediation/secret-environment.js';
import type { AlertChannel, RollbackTarget } from '../remediation/remediation-action.js';
import type {
  PolicySpecInput,
  RollbackTargetInput,
  SaveVerificationPolicyInput,
} from './dto/save-verification-policy.input.js';
import {
  PrometheusQueryError,
  PrometheusUnavailableError,
  type PrometheusClient,
} from './prometheus.client.js';
import { PROMETHEUS_CLIENT } from './prometheus.provider.js';
import { probeScrape } from './analysis/counter-reading.js';
import { lastValueQuery } from './counter-template.rule.js';
import { PrometheusSignalSource } from './prometheus.source.js';
import {
  invalidPolicy,
  legacyTemplate,
  policyNotFound,
  prometheusUnavailable,
  sidesOverlap,
  windowShorterThanScrapeInterval,
} from './verification.errors.js';
import { VerificationPolicyEntity } from './verification-policy.entity.js';
import {
  checkPolicyShape,
  DEFAULT_ANALYSIS,
  DEFAULT_SLIS,
  DEFAULT_TIMING,
  timingWithDefaults,
  defaultPolicySpec,
  legacyTemplateProblems,
  overlappingSideProblems,
  renderTemplate,
  type PolicyProblem,
  type PolicySpec,
  type StoredPolicy,
} from './verification-policy.js';

type Defined<T> = { [K in keyof T]?: NonNullable<T[K]> };
const defined = <T extends object>(o: T | null | undefined): Defined<T> =>
  Object.fromEntries(
    Object.entries(o ?? {}).filter(([, v]) => v !== null && v !== undefined),
  ) as Defined<T>;

/** The policy spec of an input, defaults filled in (no validation yet). */
export function specOf(input: PolicySpecInput, alertChannels: readonly AlertChannel[]): PolicySpec {
  return {
    mode: input.mode ?? 'ADVISE',
    slis: input.slis ? input.slis.map((s) => ({ ...s })) : DEFAULT_SLIS,
    checks: (input.checks ?? []).map((c) => ({
      name: c.name,
      query: c.query,
      ...(c.successCondition ? { successCondition: c.successCondition } : {}),
      ...(c.failureCondition ? { failureCondition: c.failureCondition } : {}),
      dryRun: c.dryRun ?? false,
    })),
    timing: { ...DEFAULT_TIMING, ...defined(input.timing) },
    analysis: { ...DEFAULT_ANALYSIS, ...defined(input.analysis) },
    alertChannels,
    lateRegressionRollback: input.lateRegressionRollback ?? false,
    ...(input.targetLabel ? { targetLabel: input.targetLabel.trim() } : {}),
  };
}

/** The target of an input, as stored: a secret reference kept as the name of its variable. */
export function targetOf(input: RollbackTargetInput): RollbackTarget {
  const { secretFrom, tokenFrom, ...rest } = defined(input);
  return {
    ...rest,
    ...(secretFrom ? { secretFrom: { env: secretFrom.env } } : {}),
    ...(tokenFrom ? { tokenFrom: { env: tokenFrom.env } } : {}),
    kind: input.kind,
  } as unknown as RollbackTarget;
}

/**
 * Refuses a target that cannot be used: a secret reference to a variable the server does not
 * have (SECRET_ENV_NOT_SET) or may not give out, then the target with its secret read as
 * remediation checks it (INVALID_ROLLBACK_TARGET, OUTBOUND_HOST_NOT_ALLOWED).
 */
function assertTarget(target: RollbackTarget, outbound: OutboundPolicy): void {
  const env = secretEnvironment();
  const [problem] = secretReferenceProblems(target, env, RESERVED_SECRET_VARIABLES);
  if (problem?.code === 'SECRET_ENV_NOT_SET') throw secretEnvNotSet(problem.field, problem.message);
  if (problem) throw invalidRollbackTarget([`${problem.field}: ${problem.message}`]);
  outbound.assertRollbackTarget(resolveTargetSecret(target, env));
}

/**
 * A policy's own checks, before Prometheus: templates of earlier releases (LEGACY_TEMPLATE), then
 * shape (INVALID_POLICY), then templates that cannot tell the versions apart (SIDES_OVERLAP).
 */
export function assertSpec(spec: PolicySpec): void {
  const legacy = legacyTemplateProblems(spec);
  if (legacy.length > 0) throw legacyTemplate(legacy);
  const problems = checkPolicyShape(spec);
  if (problems.length > 0) throw invalidPolicy(problems);
  const overlap = overlappingSideProblems(spec);
  if (overlap.length > 0) throw sidesOverlap(overlap);
}

/** Windows that must hold a fresh sample of every series (checked when given explicitly). */
const SAMPLED_WINDOWS = ['windowSeconds', 'settleWindowSeconds', 'preDeployWindowSeconds'] as const;

/** A policy `check` accepted, ready to `store`. */
export type CheckedPolicy = Awaited<ReturnType<VerificationPolicyService['check']>>;

/** What a policy is chosen by. */
export interface Release {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly tier: EnvironmentTier;
}

/** Policies: CRUD, the check of every query against Prometheus, the policy of a release. */
@Injectable()
export class VerificationPolicyService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROMETHEUS_CLIENT) private readonly prometheus: PrometheusClient | null,
    private readonly outbound: OutboundPolicy,
    private readonly outbox: OutboxService,
  ) {}

  list(
    filter: { service?: string | null; environment?: string | null } = {},
  ): Promise<VerificationPolicyEntity[]> {
    return this.dataSource.getRepository(VerificationPolicyEntity).find({
      where: {
        ...(filter.service ? { service: filter.service } : {}),
        ...(filter.environment ? { environment: filter.environment } : {}),
      },
      order: { service: 'ASC', namespace: 'ASC', environment: 'ASC' },
    });
  }

  /**
   * Every check `save` makes, storing nothing: the spec, the rollback target, each query against
   * Prometheus, the windows against the scrape interval.
   */
  async check(
    input: SaveVerificationPolicyInput,
    now = new Date(),
  ): Promise<{
    scope: { service: string; namespace: string; environment: string };
    spec: PolicySpec;
    target: RollbackTarget | undefined;
  }> {
    const service = input.service.trim();
    const environment = input.environment.trim();
    const namespace = (input.namespace ?? '').trim();
    if (!service || !environment) throw badInput('service and environment must not be empty');
    const spec = specOf(input, input.alertChannels ?? []);
    assertSpec(spec);
    const target = input.rollbackTarget ? targetOf(input.rollbackTarget) : undefined;
    if (target) assertTarget(target, this.outbound);
    const scope = { service, namespace, environment };
    await this.checkAgainstPrometheus(spec, scope, now);
    await this.checkWindows(spec, input.timing ?? {}, scope, now);
    return { scope, spec, target };
  }

  async save(
    input: SaveVerificationPolicyInput,
    now = new Date(),
  ): Promise<VerificationPolicyEntity> {
    return this.store(this.dataSource.manager, input, await this.check(input, now), now);
  }

  /** Saves a policy `check` accepted, in the caller's transaction. */
  async store(
    m: EntityManager,
    input: Pick<SaveVerificationPolicyInput, 'clearRollbackTarget'>,
    checked: CheckedPolicy,
    now: Date,
  ): Promise<VerificationPolicyEntity> {
    const { scope, spec, target } = checked;
    const { service, namespace, environment } = scope;
    const repo = m.getRepository(VerificationPolicyEntity);
    const existing = await repo.findOneBy({ service, namespace, environment });
    const rollbackTarget = input.clearRollbackTarget
      ? null
      : (target ?? existing?.rollbackTarget ?? null);
    const entity = repo.create({
      ...(existing ?? {}),
      service,
      namespace,
      environment,
      mode: spec.mode,
      slis: [...spec.slis],
      checks: [...spec.checks],
      timing: spec.timing,
      analysis: spec.analysis,
      lateRegressionRollback: spec.lateRegressionRollback,
      targetLabel: spec.targetLabel ?? null,
      rollbackTarget,
      alertChannels: [...spec.alertChannels],
      updatedAt: now,
    });
    return repo.save(entity);
  }

  async delete(id: string): Promise<boolean> {
    if (!/^\d+$/.test(id)) throw policyNotFound(id);
    const result = await this.dataSource.getRepository(VerificationPolicyEntity).delete({ id });
    if (!result.affected) throw policyNotFound(id);
    return true;
  }

  /**
   * The policy that verifies a release: the one saved for (service, namespace, environment), else
   * the built-in default (ADVISE mode, alert channels as configured) for production-tier
   * environments when Prometheus is configured; else none.
   */
  async resolve(m: EntityManager, release: Release): Promise<StoredPolicy | null> {
    return (await this.resolveAll(m, [release]))[0];
  }

  /** `resolve` for many releases with one query; the policies in the releases' order. */
  async resolveAll(
    m: EntityManager,
    releases: readonly Release[],
  ): Promise<(StoredPolicy | null)[]> {
    if (releases.length === 0) return [];
    const key = (r: { service: string; namespace: string; environment: string }) =>
      `${r.service}\u0000${r.namespace}\u0000${r.environment}`;
    const rows = await m.getRepository(VerificationPolicyEntity).find({
      where: releases.map((r) => ({
        service: r.service,
        namespace: r.namespace,
        environment: r.environment,
      })),
    });
    const saved = new Map(rows.map((row) => [key(row), row]));
    return releases.map((release) => {
      const row = saved.get(key(release));
      if (row) {
        return {
          id: row.id,
          service: row.service,
          namespace: row.namespace,
          environment: row.environment,
          spec: {
            mode: row.mode,
            slis: row.slis,
            checks: row.checks,
            timing: timingWithDefaults(row.timing),
            analysis: { ...DEFAULT_ANALYSIS, ...row.analysis },
            alertChannels: row.alertChannels,
            lateRegressionRollback: row.lateRegressionRollback,
            ...(row.targetLabel ? { targetLabel: row.targetLabel } : {}),
          },
          rollbackTarget: row.rollbackTarget,
          isDefault: false,
        };
      }
      if (release.tier !== 'production' || !this.config.prometheusUrl) return null;
      return {
        id: null,
        ...release,
        spec: defaultPolicySpec(this.outbox.alertChannels()),
        rollbackTarget: null,
        isDefault: true,
      };
    });
  }

  /**
   * The stored rollback target of a policy, a referenced secret read from the environment (read at
   * verdict time, so rotated secrets apply).
   */
  async rollbackTarget(m: EntityManager, policyId: string | null): Promise<RollbackTarget | null> {
    if (!policyId) return null;
    const row = await m.getRepository(VerificationPolicyEntity).findOneBy({ id: policyId });
    return row?.rollbackTarget
      ? resolveTargetSecret(row.rollbackTarget, secretEnvironment())
      : null;
  }

  /**
   * Runs every query of the policy once against Prometheus (with sample versions) and refuses the
   * policy with Prometheus' own message when one is wrong.
   */
  async checkAgainstPrometheus(
    spec: PolicySpec,
    scope: { service: string; namespace: string; environment: string },
    now: Date,
  ): Promise<void> {
    if (!this.prometheus) {
      throw prometheusUnavailable('PROMETHEUS_URL is not configured: policies cannot be checked');
    }
    const ctx = {
      ...scope,
      version: 'policy-check',
      previousVersion: 'policy-check-previous',
      windowSeconds: spec.timing.windowSeconds,
    };
    // The counters as Shipwatch reads them (last value per series), the checks as they are.
    const queries: { field: string; query: () => string; single: boolean }[] = [
      ...spec.slis.flatMap((s, i) =>
        (['totalQuery', 'badQuery'] as const).map((key) => ({
          field: `slis[${i}].${key}`,
          query: () => lastValueQuery(renderTemplate(s[key], ctx)),
          single: false,
        })),
      ),
      ...spec.checks.map((c, i) => ({
        field: `checks[${i}].query`,
        query: () => renderTemplate(c.query, ctx),
        single: true,
      })),
    ];
    const problems: PolicyProblem[] = [];
    for (const q of queries) {
      try {
        await this.prometheus.value(q.query(), now, q.single);
      } catch (error) {
        if (error instanceof PrometheusUnavailableError) throw prometheusUnavailable(error.message);
        if (error instanceof PrometheusQueryError) {
          problems.push({ field: q.field, message: `Prometheus refused it: ${error.message}` });
          continue;
        }
        throw error;
      }
    }
    if (problems.length > 0) throw invalidPolicy(problems);
  }

  /**
   * Refuses windows given explicitly that are shorter than the counters' refresh interval (learnt
   * from the samples of the last minutes, every version: WINDOW_SHORTER_THAN_SCRAPE_INTERVAL with
   * the interval found). Without samples yet (a new service) nothing can be known: the policy is
   * saved and each tick adapts its interval to the interval it finds.
   */
  async checkWindows(
    spec: PolicySpec,
    given: Partial<Record<(typeof SAMPLED_WINDOWS)[number], number | null>>,
    scope: { service: string; namespace: string; environment: string },
    now: Date,
  ): Promise<void> {
    if (!this.prometheus || SAMPLED_WINDOWS.every((k) => given[k] == null)) return;
    const source = new PrometheusSignalSource(this.prometheus, {
      ...scope,
      version: null,
      previousVersion: null,
      preDeployVersion: null,
    });
    const probes = await Promise.all(spec.slis.map((sli) => probeScrape(source, sli, now, now)));
    const intervals = probes.flatMap((p) => p.refreshIntervalSeconds ?? []);
    if (intervals.length === 0) return;
    const interval = Math.max(...intervals);
    const problems = SAMPLED_WINDOWS.filter(
      (k) => given[k] != null && spec.timing[k] < interval,
    ).map((k) => ({
      field: `timing.${k}`,
      message: `${spec.timing[k]}s cannot hold a fresh sample of every series: at least ${interval}s`,
    }));
    if (problems.length > 0) throw windowShorterThanScrapeInterval(interval, problems);
  }
}
