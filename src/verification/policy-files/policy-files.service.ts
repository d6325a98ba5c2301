import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { submitterOf, type Principal } from '../../auth/principal.js';
import { badInput, DomainError } from '../../common/errors/domain-error.js';
import {
  FreezeWindowsRepository,
  type StoredFreezeWindow,
} from '../../gate/freezes/freeze-windows.repository.js';
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
import { diffFreezeWindows, type FreezeWindowChange } from './freeze-window-diff.rule.js';
import { diffPolicies, type PolicyChange, type PolicyScope } from './policy-diff.rule.js';
import {
  policyKey,
  readPolicyFiles,
  type FileChecks,
  type PolicyFile,
} from './policy-file.rule.js';
import { policyFileChecks } from './policy-file.schema.js';
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
  ...(e.targetLabel ? { targetLabel: e.targetLabel } : {}),
});

const scopeKey = (s: PolicyScope): string =>
  JSON.stringify([s.namespace, s.service, s.environment]);

/** A change of the plan: a verification policy's or a freeze window's, by its name. */
export type PlanChange =
  | (PolicyChange & { readonly kind: 'VERIFICATION_POLICY'; readonly name: string })
  | (FreezeWindowChange & { readonly kind: 'FREEZE_WINDOW' });

export interface PolicyFilesPlan {
  readonly dryRun: boolean;
  readonly saved: number;
  readonly deleted: number;
  readonly changes: PlanChange[];
}

/**
 * Policies as code: files are read and checked all first (INVALID_POLICY_FILE, nothing saved),
 * then every changed policy is checked as saveVerificationPolicy checks it (Prometheus
 * included) and, only when all pass, saved in one transaction, with the freeze windows (a
 * changed window replaced: the old one deleted, a new one created) and the deletions of
 * `prune`. Without `prune`, stored policies and windows from files no file names are kept;
 * windows made by people are never touched.
 */
@Injectable()
export class PolicyFilesService {
  private checks: FileChecks | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: VerificationPolicyService,
    private readonly freezes: FreezeWindowsRepository,
  ) {}

  async apply(
    files: readonly PolicyFile[],
    options: { dryRun: boolean; prune: boolean; principal?: Principal },
    now = new Date(),
  ): Promise<PolicyFilesPlan> {
    const { dryRun, prune, principal } = options;
    if (prune && files.length === 0) throw pruneWithoutFiles();
    if (files.length > MAX_FILES) throw badInput(`at most ${MAX_FILES} policy files at once`);
    this.checks ??= policyFileChecks();
    const { policies, freezeWindows, problems } = readPolicyFiles(files, this.checks, now);
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
    const storedWindows = await this.freezes.fromFiles();
    const windowChanges = diffFreezeWindows(freezeWindows, storedWindows, prune);
    const plan = [
      ...changes.map((c) => ({ ...c, kind: 'VERIFICATION_POLICY' as const, name: policyKey(c) })),
      ...windowChanges.map((c) => ({ ...c, kind: 'FREEZE_WINDOW' as const })),
    ];
    const windowsNow = new Map(storedWindows.map((w) => [w.name, w]));
    const replaced = (status: string) =>
      windowChanges.filter((c) => c.status === status).map((c) => c.name);
    const windowsToCreate = freezeWindows.filter((w) =>
      [...replaced('ADDED'), ...replaced('CHANGED')].includes(w.target.name),
    );
    const windowsToDelete = [...replaced('CHANGED'), ...replaced('DELETED')]
      .map((name) => windowsNow.get(name))
      .filter((w): w is StoredFreezeWindow => w !== undefined);
    if (dryRun) return { dryRun, saved: 0, deleted: 0, changes: plan };
    const who = submitterOf(principal) ?? 'anonymous';
    // One transaction: a failure in the middle leaves the server as it was.
    await this.dataSource.transaction(async (m) => {
      for (const p of toSave) await this.policies.store(m, p.input, p.checked, now);
      for (const e of toDelete)
        await m.getRepository(VerificationPolicyEntity).delete({ id: e.id });
      // The old window first: a window from files has a unique name among the live ones.
      for (const w of windowsToDelete) await this.freezes.delete(w.id, who, now, m);
      for (const w of windowsToCreate)
        await this.freezes.insert(w.target, who, principal?.name ?? 'anonymous', now, m);
    });
    return {
      dryRun,
      saved: toSave.length + windowsToCreate.length,
      deleted: toDelete.length + replaced('DELETED').length,
      changes: plan,
    };
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
