import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { badInput, DomainError } from '../../common/errors/domain-error.js';
import {
  analysisWithDefaults,
  timingWithDefaults,
  type PolicySpec,
} from '../verification-policy.js';
import type { SaveVerificationPolicyInput } from '../dto/save-verification-policy.input.js';
import {
  specOf,
  targetOf,
  VerificationPolicyService,
  type CheckedPolicy,
} from '../verification-policy.service.js';
import { VerificationPolicyEntity } from '../verification-policy.entity.js';
import { diffPolicies, type PolicyChange, type PolicyScope } from './policy-diff.rule.js';
import { readPolicyFiles, type PolicyFile, type SchemaCheck } from './policy-file.rule.js';
import { policyFileCheck } from './policy-file.schema.js';
import { invalidPolicyFiles, pruneWithoutFiles } from './policy-files.errors.js';

/** More files than any team keeps; a bigger request is a mistake. */
const MAX_FILES = 1000;

const storedSpec = (e: VerificationPolicyEntity): PolicySpec => ({
  mode: e.mode,
  slis: e.slis,
  checks: e.checks,
  timing: timingWithDefaults(e.timing),
  analysis: analysisWithDefaults(e.analysis),
  alertChannels: e.alertChannels,
  lateRegressionRollback: e.lateRegressionRollback,
});

const scopeKey = (s: PolicyScope): string =>
  JSON.stringify([s.namespace, s.service, s.environment]);

export interface PolicyFilesPlan {
  readonly dryRun: boolean;
  readonly saved: number;
  readonly deleted: number;
  readonly changes: PolicyChange[];
}

/**
 * Policies as code: files are read and checked all first (INVALID_POLICY_FILE, nothing saved),
 * then every changed policy is checked as saveVerificationPolicy checks it (Prometheus
 * included) and, only when all pass, saved in one transaction, with the deletions of `prune`.
 * Without `prune`, stored policies no file names are kept.
 */
@Injectable()
export class PolicyFilesService {
  private check: SchemaCheck | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: VerificationPolicyService,
  ) {}

  async apply(
    files: readonly PolicyFile[],
    options: { dryRun: boolean; prune: boolean },
    now = new Date(),
  ): Promise<PolicyFilesPlan> {
    const { dryRun, prune } = options;
    if (prune && files.length === 0) throw pruneWithoutFiles();
    if (files.length > MAX_FILES) throw badInput(`at most ${MAX_FILES} policy files at once`);
    this.check ??= policyFileCheck();
    const { policies, problems } = readPolicyFiles(files, this.check);
    if (problems.length > 0) throw invalidPolicyFiles(problems);
    const stored = await this.policies.list();
    const changes = diffPolicies(
      policies.map((p) => ({
        file: p.file,
        service: p.input.service.trim(),
        namespace: (p.input.namespace ?? '').trim(),
        environment: p.input.environment.trim(),
        spec: specOf(p.input, p.input.alertChannels ?? []),
        rollbackTarget: p.input.rollbackTarget ? targetOf(p.input.rollbackTarget) : undefined,
      })),
      stored.map((e) => ({ ...e, spec: storedSpec(e) })),
      prune,
    );
    const changed = new Set(
      changes.filter((c) => c.status === 'ADDED' || c.status === 'CHANGED').map((c) => c.file),
    );
    const deleted = new Set(changes.filter((c) => c.status === 'DELETED').map(scopeKey));
    const toDelete = stored.filter((e) => deleted.has(scopeKey(e)));
    // All checked (Prometheus too) before anything is saved: a bad query saves nothing.
    const toSave: { input: SaveVerificationPolicyInput; checked: CheckedPolicy }[] = [];
    for (const p of policies.filter((p) => changed.has(p.file))) {
      const checked = await this.checked(p.file, () => this.policies.check(p.input, now));
      toSave.push({ input: p.input, checked });
    }
    if (dryRun) return { dryRun, saved: 0, deleted: 0, changes };
    // One transaction: a failure in the middle leaves the server as it was.
    await this.dataSource.transaction(async (m) => {
      for (const p of toSave) await this.policies.store(m, p.input, p.checked, now);
      for (const e of toDelete)
        await m.getRepository(VerificationPolicyEntity).delete({ id: e.id });
    });
    return { dryRun, saved: toSave.length, deleted: toDelete.length, changes };
  }

  /** The refusal of a policy, with its file name in front. */
  private async checked<T>(file: string, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new DomainError(error.code, `${file}: ${error.message}`, {
        httpStatus: error.httpStatus,
        details: { ...error.details, file },
        cause: error,
      });
    }
  }
}
