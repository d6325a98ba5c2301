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

export const MIGRATIONS = [
  InitialSchema1764460800000,
  DoraMetrics1764600000000,
  ReleaseVerification1764700000000,
  RemediationOutbox1764800000000,
  ProtectSecretTables1765000000000,
  ChangesetOrderIndex1765100000000,
];
