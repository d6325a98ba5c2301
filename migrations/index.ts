/**
 * Every migration, in order. Listed explicitly (no glob) so that the same list works under the
 * TypeScript test runner and from the build; `migrations.spec.ts` checks none is forgotten.
 */
import { InitialSchema1764460800000 } from './1764460800000-InitialSchema.js';
import { DoraMetrics1764600000000 } from './1764600000000-DoraMetrics.js';
import { ReleaseVerification1764700000000 } from './1764700000000-ReleaseVerification.js';
import { RemediationOutbox1764800000000 } from './1764800000000-RemediationOutbox.js';
import { ProtectSecretTables1765000000000 } from './1765000000000-ProtectSecretTables.js';
import { ChangesetOrderIndex1765100000000 } from './1765100000000-ChangesetOrderIndex.js';
import { IncidentIntakeTransports1765200000000 } from './1765200000000-IncidentIntakeTransports.js';
import { VerificationSubmitter1765300000000 } from './1765300000000-VerificationSubmitter.js';
import { DoraInference1765400000000 } from './1765400000000-DoraInference.js';
import { ServiceRepositoryPaths1765500000000 } from './1765500000000-ServiceRepositoryPaths.js';
import { IncidentTriage1765600000000 } from './1765600000000-IncidentTriage.js';
import { DoraAttributionFilter1765700000000 } from './1765700000000-DoraAttributionFilter.js';
import { ServiceCatalog1765800000000 } from './1765800000000-ServiceCatalog.js';
import { PullRequestStarts1765900000000 } from './1765900000000-PullRequestStarts.js';
import { DoraReportPlans1766000000000 } from './1766000000000-DoraReportPlans.js';
import { ReleaseTags1766100000000 } from './1766100000000-ReleaseTags.js';
import { DeployLocks1766200000000 } from './1766200000000-DeployLocks.js';
import { FluxTransport1766300000000 } from './1766300000000-FluxTransport.js';
import { DoraFlowFigures1766400000000 } from './1766400000000-DoraFlowFigures.js';
import { DoraLeadTimeStages1766500000000 } from './1766500000000-DoraLeadTimeStages.js';
import { VerificationWatch1766600000000 } from './1766600000000-VerificationWatch.js';
import { IncidentVersionCauses1766700000000 } from './1766700000000-IncidentVersionCauses.js';
import { PublishDeployments1766800000000 } from './1766800000000-PublishDeployments.js';
import { VerificationDecisions1766900000000 } from './1766900000000-VerificationDecisions.js';
import { ChangeAuthors1767000000000 } from './1767000000000-ChangeAuthors.js';
import { CdeventsChains1767100000000 } from './1767100000000-CdeventsChains.js';
import { GithubProtectionRules1767200000000 } from './1767200000000-GithubProtectionRules.js';
import { FreezeWindows1767300000000 } from './1767300000000-FreezeWindows.js';
import { SlackResponses1767400000000 } from './1767400000000-SlackResponses.js';
import { LateRegressions1767700000000 } from './1767700000000-LateRegressions.js';
import { FreezeWindowFiles1767900000000 } from './1767900000000-FreezeWindowFiles.js';
import { MultiTargetReleases1768100000000 } from './1768100000000-MultiTargetReleases.js';

export const MIGRATIONS = [
  InitialSchema1764460800000,
  DoraMetrics1764600000000,
  ReleaseVerification1764700000000,
  RemediationOutbox1764800000000,
  ProtectSecretTables1765000000000,
  ChangesetOrderIndex1765100000000,
  IncidentIntakeTransports1765200000000,
  VerificationSubmitter1765300000000,
  DoraInference1765400000000,
  ServiceRepositoryPaths1765500000000,
  IncidentTriage1765600000000,
  DoraAttributionFilter1765700000000,
  ServiceCatalog1765800000000,
  PullRequestStarts1765900000000,
  DoraReportPlans1766000000000,
  ReleaseTags1766100000000,
  DeployLocks1766200000000,
  FluxTransport1766300000000,
  DoraFlowFigures1766400000000,
  DoraLeadTimeStages1766500000000,
  VerificationWatch1766600000000,
  IncidentVersionCauses1766700000000,
  PublishDeployments1766800000000,
  VerificationDecisions1766900000000,
  ChangeAuthors1767000000000,
  CdeventsChains1767100000000,
  GithubProtectionRules1767200000000,
  FreezeWindows1767300000000,
  SlackResponses1767400000000,
  LateRegressions1767700000000,
  FreezeWindowFiles1767900000000,
  MultiTargetReleases1768100000000,
];
