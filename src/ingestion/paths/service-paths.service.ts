import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, badInput } from '../../common/errors/domain-error.js';
import { ChangesetService } from '../changeset.service.js';
import { MAX_ID_LENGTH } from '../event.validator.js';
import { serviceIdOf } from '../service-lookup.js';
import { globProblems, touches } from './path-glob.rule.js';
import type { SetServicePathsInput } from './service-paths.input.js';
import {
  ServicePathWarningCode,
  type ServicePathWarning,
  type ServicePaths,
} from './service-paths.model.js';

/** How many of a repository's latest commits with known paths the globs are checked against. */
export const CHECKED_COMMITS = 2_000;

/** The globs as they will be stored (unique, sorted), or INVALID_PATH_GLOB for the first bad one. */
export function checkedGlobs(globs: readonly string[]): string[] {
  const [problem] = globProblems(globs);
  if (problem) {
    throw new DomainError(
      'INVALID_PATH_GLOB',
      `globs[${problem.index}] ${JSON.stringify(problem.glob)} ${problem.message}`,
      { details: { field: `globs[${problem.index}]`, glob: problem.glob } },
    );
  }
  return [...new Set(globs)].sort();
}

/**
 * The path globs services declare in shared repositories (table service_repository_paths).
 * Changing them recomputes the service's production deployments in the same transaction, so
 * that every figure follows the globs in force. A service catalog writes them through `apply`.
 */
@Injectable()
export class ServicePathsService {
  private readonly logger = new Logger(ServicePathsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly changesets: ChangesetService,
  ) {}

  async get(service: string, namespace: string | null | undefined): Promise<ServicePaths[]> {
    const m = this.dataSource.manager;
    const id = await serviceIdOf(m, service, namespace);
    const rows = await m.query<{ repository: string; globs: string[] }[]>(
      `SELECT repository, array_agg(glob ORDER BY glob) AS globs FROM service_repository_paths
       WHERE service_id = $1 GROUP BY repository ORDER BY repository`,
      [id],
    );
    return Promise.all(
      rows.map(async (r) => ({
        service,
        namespace: namespace ?? '',
        repository: r.repository,
        globs: r.globs,
        warnings: await this.warnings(m, r.repository, r.globs),
      })),
    );
  }

  async set(input: SetServicePathsInput): Promise<ServicePaths> {
    const repository = input.repository.trim();
    if (repository === '' || repository.length > MAX_ID_LENGTH || repository.includes('\u0000'))
      throw badInput(`repository must be 1 to ${MAX_ID_LENGTH} characters`, {
        field: 'repository',
      });
    const globs = checkedGlobs(input.globs);
    return this.dataSource.transaction(async (m) => {
      const id = await serviceIdOf(m, input.service, input.namespace);
      const recomputed = await this.apply(m, id, repository, globs);
      this.logger.log(
        `paths of service ${input.service} in ${repository} set (${globs.length} globs); ${recomputed} deployments recomputed`,
      );
      return {
        service: input.service,
        namespace: input.namespace ?? '',
        repository,
        globs,
        warnings: await this.warnings(m, repository, globs),
      };
    });
  }

  /**
   * Replaces a service's globs in a repository (checked with `checkedGlobs`) and recomputes its
   * production deployments, in the caller's transaction; returns how many were recomputed.
   */
  async apply(
    m: EntityManager,
    serviceId: string,
    repository: string,
    globs: readonly string[],
  ): Promise<number> {
    const stored = checkedGlobs(globs);
    await m.query(
      `WITH gone AS (
         DELETE FROM service_repository_paths
         WHERE service_id = $1 AND repository = $2 AND glob <> ALL ($3::text[]))
       INSERT INTO service_repository_paths (service_id, repository, glob)
       SELECT $1, $2, g FROM unnest($3::text[]) AS g
       ON CONFLICT DO NOTHING`,
      [serviceId, repository, stored],
    );
    return this.changesets.recomputeService(m, serviceId);
  }

  /** What looks wrong with these globs, from the repository's latest commits with known paths. */
  private async warnings(
    m: EntityManager,
    repository: string,
    globs: readonly string[],
  ): Promise<ServicePathWarning[]> {
    if (globs.length === 0) return [];
    const commits = await m.query<{ paths: string[] }[]>(
      `SELECT paths FROM changes WHERE repository = $1 AND paths IS NOT NULL
       ORDER BY id DESC LIMIT $2`,
      [repository, CHECKED_COMMITS],
    );
    if (commits.length === 0) {
      return [
        {
          code: ServicePathWarningCode.NO_COMMIT_PATHS_KNOWN,
          glob: null,
          message: `no commit of ${repository} with known paths has been received yet: the globs cannot be checked`,
        },
      ];
    }
    return globs
      .filter((glob) => !commits.some((c) => touches(c.paths, [glob])))
      .map((glob) => ({
        code: ServicePathWarningCode.GLOB_MATCHES_NOTHING,
        glob,
        message: `${JSON.stringify(glob)} matches no path of the latest ${commits.length} commits of ${repository} with known paths`,
      }));
  }
}
