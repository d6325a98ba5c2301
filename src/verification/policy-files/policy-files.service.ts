import { Injectable } from '@nestjs/common';
import { badInput, DomainError } from '../../common/errors/domain-error.js';
import { specOf, VerificationPolicyService } from '../verification-policy.service.js';
import type { PolicySpec } from '../verification-policy.js';
import type { VerificationPolicyEntity } from '../verification-policy.entity.js';
import { diffPolicies, type PolicyChange } from './policy-diff.rule.js';
import { readPolicyFiles, type PolicyFile, type SchemaCheck } from './policy-file.rule.js';
import { policyFileCheck } from './policy-file.schema.js';
import { invalidPolicyFiles } from './policy-files.errors.js';

/** More files than any team keeps; a bigger request is a mistake. */
const MAX_FILES = 1000;

const storedSpec = (e: VerificationPolicyEntity): PolicySpec => ({
  mode: e.mode,
  slis: e.slis,
  checks: e.checks,
  timing: e.timing,
  analysis: e.analysis,
  alertChannels: e.alertChannels,
});

/**
 * Policies as code: files are read and checked all first (INVALID_POLICY_FILE, nothing saved),
 * then every changed policy is checked as saveVerificationPolicy checks it (Prometheus
 * included) and, only when all pass, saved one by one. Stored policies no file names are kept.
 */
@Injectable()
export class PolicyFilesService {
  private check: SchemaCheck | undefined;

  constructor(private readonly policies: VerificationPolicyService) {}

  async apply(
    files: readonly PolicyFile[],
    dryRun: boolean,
    now = new Date(),
  ): Promise<{ dryRun: boolean; saved: number; changes: PolicyChange[] }> {
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
      })),
      stored.map((e) => ({ ...e, spec: storedSpec(e) })),
    );
    const changed = new Set(
      changes.filter((c) => c.status === 'ADDED' || c.status === 'CHANGED').map((c) => c.file),
    );
    const toSave = policies.filter((p) => changed.has(p.file));
    // All checked (Prometheus too) before the first save: a bad query saves nothing.
    for (const p of toSave) await this.checked(p.file, () => this.policies.check(p.input, now));
    if (dryRun) return { dryRun, saved: 0, changes };
    for (const p of toSave) await this.policies.save(p.input, now);
    return { dryRun, saved: toSave.length, changes };
  }

  /** The refusal of a policy, with its file name in front. */
  private async checked(file: string, check: () => Promise<unknown>): Promise<void> {
    try {
      await check();
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
