import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { badInput } from '../../common/errors/domain-error.js';
import { ChangesetService } from '../changeset.service.js';
import { serviceIdOf } from '../service-lookup.js';
import { DEFAULT_HOTFIX_RULES } from './hotfix.rule.js';
import type { SetInferenceRulesInput } from './inference-rules.input.js';
import type { InferenceRules } from './inference-rules.model.js';

const MAX_RULES = 50;
const MAX_RULE_LENGTH = 100;

type Raw = Record<string, unknown>;

/**
 * Per-service inference rules: read (defaults when none) and set. Setting them recomputes the
 * service's successful production deployments at once, in the same transaction, so that every
 * figure follows the rules in force.
 */
@Injectable()
export class InferenceRulesService {
  private readonly logger = new Logger(InferenceRulesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly changesets: ChangesetService,
  ) {}

  async get(service: string, namespace: string | null | undefined): Promise<InferenceRules> {
    const id = await serviceIdOf(this.dataSource.manager, service, namespace);
    return this.read(this.dataSource.manager, id, service, namespace ?? '');
  }

  async set(input: SetInferenceRulesInput): Promise<InferenceRules> {
    const lists = {
      hotfixLabels: checkList('hotfixLabels', input.hotfixLabels),
      hotfixBranchPrefixes: checkList('hotfixBranchPrefixes', input.hotfixBranchPrefixes),
      hotfixTitlePatterns: checkList('hotfixTitlePatterns', input.hotfixTitlePatterns),
    };
    return this.dataSource.transaction(async (m) => {
      const id = await serviceIdOf(m, input.service, input.namespace);
      await m.query(
        `INSERT INTO service_inference_rules (service_id, rollback_by_redeploy, reverts, hotfixes,
           hotfix_labels, hotfix_branch_prefixes, hotfix_title_patterns, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (service_id) DO UPDATE SET rollback_by_redeploy = EXCLUDED.rollback_by_redeploy,
           reverts = EXCLUDED.reverts, hotfixes = EXCLUDED.hotfixes,
           hotfix_labels = EXCLUDED.hotfix_labels,
           hotfix_branch_prefixes = EXCLUDED.hotfix_branch_prefixes,
           hotfix_title_patterns = EXCLUDED.hotfix_title_patterns, updated_at = now()`,
        [
          id,
          input.rollbackByRedeploy ?? true,
          input.reverts ?? true,
          input.hotfixes ?? true,
          lists.hotfixLabels,
          lists.hotfixBranchPrefixes,
          lists.hotfixTitlePatterns,
        ],
      );
      const recomputed = await this.changesets.recomputeService(m, id);
      this.logger.log(
        `inference rules of service ${input.service} set; ${recomputed} deployments recomputed`,
      );
      return this.read(m, id, input.service, input.namespace ?? '');
    });
  }

  private async read(
    m: EntityManager,
    id: string,
    service: string,
    namespace: string,
  ): Promise<InferenceRules> {
    const [r] = await m.query<Raw[]>(
      `SELECT * FROM service_inference_rules WHERE service_id = $1`,
      [id],
    );
    return {
      service,
      namespace,
      custom: r !== undefined,
      rollbackByRedeploy: (r?.rollback_by_redeploy as boolean | undefined) ?? true,
      reverts: (r?.reverts as boolean | undefined) ?? true,
      hotfixes: (r?.hotfixes as boolean | undefined) ?? true,
      hotfixLabels: (r?.hotfix_labels as string[] | null) ?? [...DEFAULT_HOTFIX_RULES.labels],
      hotfixBranchPrefixes: (r?.hotfix_branch_prefixes as string[] | null) ?? [
        ...DEFAULT_HOTFIX_RULES.branchPrefixes,
      ],
      hotfixTitlePatterns: (r?.hotfix_title_patterns as string[] | null) ?? [
        ...DEFAULT_HOTFIX_RULES.titlePatterns,
      ],
    };
  }
}

/** A rule list as given (null: the default), refused when it could never match or is too big. */
function checkList(field: string, list: readonly string[] | null | undefined): string[] | null {
  if (list === null || list === undefined) return null;
  if (list.length > MAX_RULES) throw badInput(`${field}: at most ${MAX_RULES} entries`, { field });
  list.forEach((entry, i) => {
    if (entry.trim() === '')
      throw badInput(`${field}[${i}] is empty: it would match nothing (or everything)`, {
        field: `${field}[${i}]`,
      });
    if (entry.length > MAX_RULE_LENGTH)
      throw badInput(`${field}[${i}]: at most ${MAX_RULE_LENGTH} characters`, {
        field: `${field}[${i}]`,
      });
  });
  return [...new Set(list)];
}
