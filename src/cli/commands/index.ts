/** Every `shipwatch` command, in help order. */
import type { Command, CommandGroup } from '../command.js';
import { change } from './change.command.js';
import { deploymentFinish, deploymentStart } from './deployment.command.js';
import { dora } from './dora.command.js';
import { importCommand } from './import.command.js';
import { incidentOpen, incidentResolve } from './incident.command.js';
import { run } from './run.command.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.command.js';
import { verify, waitVerdict } from './verdict.js';

export const COMMANDS = [
  deploymentStart,
  deploymentFinish,
  waitVerdict,
  run,
  change,
  incidentOpen,
  incidentResolve,
  importCommand,
  dora,
  verify,
  tokenCreate,
  tokenList,
  tokenRevoke,
] as unknown as readonly Command[];

export const GROUPS: readonly CommandGroup[] = [
  { name: 'deployment', summary: 'Report deployments and wait for their release verdict' },
  { name: 'run', summary: 'Report a pipeline run' },
  { name: 'change', summary: 'Report commits and merged pull requests' },
  { name: 'incident', summary: 'Report incidents' },
  { name: 'import', summary: 'Backfill history' },
  { name: 'dora', summary: 'DORA metrics' },
  { name: 'verify', summary: 'Release verdicts' },
  { name: 'token', summary: 'Manage API tokens (admin)' },
];
