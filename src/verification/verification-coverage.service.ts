import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import type { VerificationCoverageModel } from './models/verification-coverage.model.js';
import { verificationCoverage } from './verification-coverage.rule.js';
import { VerificationPolicyService } from './verification-policy.service.js';
import { VerificationRepository } from './verification.repository.js';

/** Whether a deployment is verified, and why not (verification-coverage.rule.ts). */
@Injectable()
export class VerificationCoverageService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: VerificationRepository,
    private readonly policies: VerificationPolicyService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'prometheusUrl'>,
  ) {}

  async byDeployment(
    deploymentId: string,
    now = new Date(),
  ): Promise<VerificationCoverageModel | null> {
    const d = await this.repo.deploymentRelease(deploymentId);
    if (!d) return null;
    const [verification, policy] = await Promise.all([
      this.repo.findByDeployment(deploymentId),
      this.policies.resolve(this.dataSource.manager, d),
    ]);
    const coverage = verificationCoverage({
      prometheusConfigured: Boolean(this.config.prometheusUrl),
      verified: verification !== null,
      deployment: { ...d, finishedAt: d.finishedAt && new Date(d.finishedAt) },
      policyMaxVerificationSeconds: policy?.spec.timing.maxVerificationSeconds ?? null,
      savedPolicy: policy !== null && !policy.isDefault,
      now,
    });
    return {
      deploymentId,
      deploymentStatus: d.status,
      verified: verification !== null,
      prometheusConfigured: Boolean(this.config.prometheusUrl),
      ...coverage,
    };
  }
}
