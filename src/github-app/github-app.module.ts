import { Module } from '@nestjs/common';
import { GateModule } from '../gate/gate.module.js';
import { RemediationModule } from '../remediation/remediation.module.js';
import { GithubProtectionRules } from './protection-rules.service.js';

/** Shipwatch as a GitHub App: answers deployment protection rules with the gate's decision. */
@Module({
  imports: [GateModule, RemediationModule],
  providers: [GithubProtectionRules],
  exports: [GithubProtectionRules],
})
export class GithubAppModule {}
