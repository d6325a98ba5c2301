import { ApiTokenEntity } from '../auth/api-token.entity.js';
import { DELIVERY_ENTITIES } from '../delivery/delivery.entities.js';
import { OutboxEntryEntity } from '../remediation/outbox.entity.js';
import { ReleaseVerificationEntity } from '../verification/release-verification.entity.js';
import { VerificationPolicyEntity } from '../verification/verification-policy.entity.js';
import { VerificationTickEntity } from '../verification/verification-tick.entity.js';

/** Every TypeORM entity; features add theirs here. */
export const ENTITIES = [
  ApiTokenEntity,
  OutboxEntryEntity,
  VerificationPolicyEntity,
  ReleaseVerificationEntity,
  VerificationTickEntity,
  ...DELIVERY_ENTITIES,
];
