/** Every `shipwatch` command, in help order. */
import type { Command, CommandGroup } from '../command.js';
import { catalogApply } from './catalog.command.js';
import { change } from './change.command.js';
import { deploymentFinish, deploymentStart } from './deployment.command.js';
import { dora } from './dora.command.js';
import { freezeCreate, freezeDelete, freezeList } from './freeze.command.js';
import { gate } from './gate.command.js';
import { importCommand } from './import.command.js';
import { lockAdd, lockList, lockRelease } from './lock.command.js';
import {
  incidentConfirm,
  incidentOpen,
  incidentReject,
  incidentResolve,
  incidentTriage,
} from './incident.command.js';
import { policyApply, policyDiff, policyExport } from './policy.command.js';
import { run } from './run.command.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.command.js';
import { verify, waitVerdict } from './verdict.js';
import {
  verificationApproveRollback,
  verificationDecide,
  verificationDismissRisk,
  verificationExtend,
} from './verification.command.js';

export const COMMANDS = [
  gate,
  lockAdd,
  lockRelease,
  lockList,
  freezeCreate,
  freezeList,
  freezeDelete,
  deploymentStart,
  deploymentFinish,
  waitVerdict,
  run,
  change,
  incidentOpen,
  incidentResolve,
  incidentTriage,
  incidentConfirm,
  incidentReject,
  importCommand,
  dora,
  catalogApply,
  verify,
  verificationApproveRollback,
  verificationDecide,
  verificationExtend,
  verificationDismissRisk,
  policyExport,
  policyDiff,
  policyApply,
  tokenCreate,
  tokenList,
  tokenRevoke,
] as unknown as readonly Command[];

export const GROUPS: readonly CommandGroup[] = [
  { name: 'gate', summary: 'Pre-deploy gate' },
  { name: 'lock', summary: 'Deploy locks the gate obeys (triage scope)' },
  { name: 'freeze', summary: 'Recurring freeze windows the gate obeys (triage scope)' },
  { name: 'deployment', summary: 'Report deployments and wait for their release verdict' },
  { name: 'run', summary: 'Report a pipeline run' },
  { name: 'change', summary: 'Report commits and merged pull requests' },
  { name: 'incident', summary: 'Report incidents and triage their causes' },
  { name: 'import', summary: 'Backfill history' },
  { name: 'dora', summary: 'DORA metrics' },
  { name: 'catalog', summary: 'Services, teams and environments from a Backstage catalog (admin)' },
  { name: 'verify', summary: 'Release verdicts' },
  { name: 'verification', summary: 'Decide on a release verification (triage scope)' },
  { name: 'policy', summary: 'Verification policies as YAML files (admin)' },
  { name: 'token', summary: 'Manage API tokens (admin)' },
];
