import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, badInput } from '../common/errors/domain-error.js';
import type { EnvironmentTier } from '../ingestion/domain-events.js';
import { ChangesetService } from '../ingestion/changeset.service.js';
import { MAX_ID_LENGTH } from '../ingestion/event.validator.js';
import { ServicePathsService } from '../ingestion/paths/service-paths.service.js';
import { RefCache } from '../ingestion/ref-cache.js';
import {
  CatalogFileError,
  parseCatalogFile,
  type CatalogServiceEntry,
  type ParsedCatalog,
} from './catalog-file.rule.js';
import { CatalogRepository, type Source } from './catalog.repository.js';
import { CodeownersError, parseCodeowners, serviceTeam, teamOf } from './codeowners.rule.js';
import type { ApplyCatalogInput } from './dto/catalog.input.js';
import {
  CatalogEntityKind,
  type CatalogPlan,
  type CatalogWarning,
} from './models/catalog.model.js';

/** What one application of the catalog asks for, from a file or an admin mutation. */
export interface CatalogRequest {
  readonly catalog: ParsedCatalog;
  readonly codeowners: string | null;
  readonly effectiveAt: Date;
  readonly source: Source;
}

class DryRun extends Error {}

const label = (s: { name: string; namespace: string }) =>
  s.namespace ? `${s.namespace}/${s.name}` : s.name;

/**
 * The service catalog (docs/dora.md, "Service catalog"): teams, services (owner, repository,
 * lifecycle, path globs) and environment tiers, applied in one transaction, so that a bad
 * entry stores nothing; a dry run does everything and rolls back, so that its plan is exactly
 * what applying would do. Ownership has history: a change of owner applies from its effective
 * time, and the first owner a service gets applies from the beginning.
 */
@Injectable()
export class CatalogService {
  private readonly logger = new Logger(CatalogService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: CatalogRepository,
    private readonly paths: ServicePathsService,
    private readonly changesets: ChangesetService,
    private readonly refs: RefCache,
  ) {}

  /** `applyCatalog`: a catalog-info.yaml and/or a CODEOWNERS file. */
  applyFiles(input: ApplyCatalogInput, now: Date): Promise<CatalogPlan> {
    if (!input.catalogInfo && !input.codeowners)
      throw badInput('give catalogInfo, codeowners or both', { field: 'catalogInfo' });
    let catalog: ParsedCatalog;
    try {
      catalog = parseCatalogFile(input.catalogInfo ?? '');
    } catch (e) {
      if (e instanceof CatalogFileError)
        throw new DomainError(e.code, e.message, {
          details: { document: e.document, line: e.line },
        });
      throw e;
    }
    return this.apply(
      {
        catalog,
        codeowners: input.codeowners ?? null,
        effectiveAt: input.effectiveAt ?? now,
        source: 'CATALOG',
      },
      input.dryRun === true,
    );
  }

  async apply(request: CatalogRequest, dryRun: boolean): Promise<CatalogPlan> {
    const plan: CatalogPlan = {
      dryRun,
      effectiveAt: request.effectiveAt,
      changes: [],
      warnings: [],
      ignored: [...request.catalog.ignored],
    };
    try {
      await this.dataSource.transaction(async (m) => {
        await this.applyIn(m, request, plan);
        if (dryRun) throw new DryRun();
      });
    } catch (e) {
      if (!(e instanceof DryRun)) throw e;
    }
    if (!dryRun) {
      // This replica's cached services must see the new teams and repositories at once
      // (other replicas within RefCache's TTL).
      this.refs.clear();
      this.logger.log(`catalog applied: ${plan.changes.length} changes`);
    }
    return plan;
  }

  private async applyIn(m: EntityManager, request: CatalogRequest, plan: CatalogPlan) {
    const change = (
      kind: CatalogEntityKind,
      name: string,
      field: string,
      before: string | null,
      after: string | null,
    ) => {
      if (before !== after) plan.changes.push({ kind, name, field, before, after });
    };
    const warn = (w: CatalogWarning) => plan.warnings.push(w);
    const rules = request.codeowners === null ? null : codeownersRules(request.codeowners);

    // Teams: the file's Groups, then the teams CODEOWNERS names.
    const teams = new Map(request.catalog.teams.map((t) => [t.name, t]));
    for (const rule of rules ?? []) {
      const team = teamOf(rule.owners);
      if (team && !teams.has(team)) teams.set(team, { name: team, displayName: null });
    }
    for (const t of teams.values()) {
      const source: Source = request.catalog.teams.some((g) => g.name === t.name)
        ? request.source
        : 'CODEOWNERS';
      const before = await this.repo.upsertTeam(m, t.name, t.displayName, source);
      if (before === undefined) change(CatalogEntityKind.TEAM, t.name, 'created', null, t.name);
      else if (t.displayName !== null)
        change(CatalogEntityKind.TEAM, t.name, 'display name', before, t.displayName);
    }

    // Services: the file's Components; with CODEOWNERS, also the services with stored globs.
    const entries = [...request.catalog.services];
    if (rules) {
      for (const s of await this.repo.servicesWithPaths(m)) {
        if (!entries.some((e) => e.name === s.name && e.namespace === s.namespace))
          entries.push({
            ...s,
            entity: '',
            owner: null,
            lifecycle: null,
            repository: null,
            paths: null,
          });
      }
    }
    for (const entry of entries) {
      await this.applyService(m, entry, request, rules, change, warn);
    }

    for (const env of request.catalog.environments) {
      const before = await this.repo.setEnvironmentTier(m, env.name, env.tier);
      change(
        CatalogEntityKind.ENVIRONMENT,
        env.name,
        before === null ? 'created' : 'tier',
        before,
        env.tier,
      );
    }
  }

  private async applyService(
    m: EntityManager,
    entry: CatalogServiceEntry,
    request: CatalogRequest,
    rules: ReturnType<typeof codeownersRules> | null,
    change: (
      k: CatalogEntityKind,
      n: string,
      f: string,
      b: string | null,
      a: string | null,
    ) => void,
    warn: (w: CatalogWarning) => void,
  ): Promise<void> {
    const name = label(entry);
    const S = CatalogEntityKind.SERVICE;
    if (entry.name.length > MAX_ID_LENGTH || entry.namespace.length > MAX_ID_LENGTH)
      throw badInput(`service ${name}: names are at most ${MAX_ID_LENGTH} characters`);
    const stored = await this.repo.ensureService(m, entry.name, entry.namespace);
    if (stored.created) change(S, name, 'created', null, name);
    if (entry.entity) {
      await this.repo.setCatalogFields(m, stored.id, entry.entity, entry.lifecycle);
      change(S, name, 'lifecycle', stored.lifecycle, entry.lifecycle ?? stored.lifecycle);
    }
    if (entry.repository !== null && entry.repository !== stored.repository) {
      await this.repo.setRepository(m, stored.id, entry.repository);
      change(S, name, 'repository', stored.repository, entry.repository);
      // Its deployments without a repository of their own now read this one.
      await this.changesets.recomputeService(m, stored.id);
    }
    const repository = entry.repository ?? stored.repository;
    let globs = entry.paths;
    if (globs !== null && repository !== null) {
      const before = await this.repo.globs(m, stored.id, repository);
      await this.paths.apply(m, stored.id, repository, globs);
      change(
        S,
        name,
        `paths in ${repository}`,
        before.join(', ') || null,
        [...new Set(globs)].sort().join(', ') || null,
      );
    }
    globs ??= repository === null ? [] : await this.repo.globs(m, stored.id, repository);

    const fromCodeowners = rules ? serviceTeam(rules, globs) : null;
    const owner = entry.owner ?? fromCodeowners;
    if (entry.owner && fromCodeowners && fromCodeowners !== entry.owner)
      warn({
        code: 'CODEOWNERS_DISAGREES',
        message: `service ${name}: the catalog says ${entry.owner}, CODEOWNERS says ${fromCodeowners} (the catalog wins)`,
      });
    if (owner === null) {
      if (entry.entity)
        warn({
          code: 'NO_OWNER',
          message: `service ${name}: no spec.owner${rules ? ' and CODEOWNERS names no team for its paths' : ''}; its ownership is unchanged`,
        });
      return;
    }
    const source: Source = entry.owner ? request.source : 'CODEOWNERS';
    const before = await this.setOwner(m, stored.id, name, owner, request.effectiveAt, source);
    change(S, name, 'owner', before, owner);
  }

  /**
   * Makes `team` the owner of the service from `at` (from the beginning when it has none yet);
   * returns the owner it had at `at`.
   */
  async setOwner(
    m: EntityManager,
    serviceId: string,
    name: string,
    team: string,
    at: Date,
    source: Source,
  ): Promise<string | null> {
    if (!(await this.repo.teamExists(m, team)))
      throw new DomainError(
        'CATALOG_UNKNOWN_OWNER',
        `service ${name}: the owner ${team} is no known team (declare it as a Group, in CODEOWNERS, or with upsertTeam)`,
        { details: { service: name, team } },
      );
    const history = await this.repo.owners(m, serviceId);
    const last = history.at(-1);
    if (last && last.effectiveFrom !== null && last.effectiveFrom.getTime() > at.getTime())
      throw new DomainError(
        'CATALOG_EFFECTIVE_BEFORE_LAST_CHANGE',
        `service ${name}: its owner last changed at ${last.effectiveFrom.toISOString()}, after ${at.toISOString()}; ownership history is only appended to`,
        { details: { service: name } },
      );
    const current = last?.team ?? null;
    if (current === team) return current;
    await this.repo.addOwner(m, serviceId, last ? at : null, team, source);
    return current;
  }

  async upsertTeam(name: string, displayName: string | null): Promise<void> {
    const n = name.trim();
    if (n === '' || n.length > MAX_ID_LENGTH)
      throw badInput(`a team name is 1 to ${MAX_ID_LENGTH} characters`, { field: 'name' });
    await this.repo.upsertTeam(this.dataSource.manager, n, displayName, 'ADMIN');
  }

  async setEnvironmentTier(environment: string, tier: EnvironmentTier): Promise<void> {
    const n = environment.trim();
    if (n === '' || n.length > MAX_ID_LENGTH)
      throw badInput(`an environment name is 1 to ${MAX_ID_LENGTH} characters`, {
        field: 'environment',
      });
    await this.repo.setEnvironmentTier(this.dataSource.manager, n, tier);
    this.refs.clear();
  }

  async setServiceOwner(service: string, namespace: string, team: string, at: Date): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const id = await this.repo.serviceId(m, service, namespace);
      await this.setOwner(m, id, label({ name: service, namespace }), team, at, 'ADMIN');
    });
    this.refs.clear();
  }
}

function codeownersRules(text: string) {
  try {
    return parseCodeowners(text);
  } catch (e) {
    if (e instanceof CodeownersError)
      throw new DomainError('CATALOG_INVALID_CODEOWNERS', e.message, { details: { line: e.line } });
    throw e;
  }
}
