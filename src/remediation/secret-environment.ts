/**
 * The environment that rollback targets' secret references (`secretFrom`/`tokenFrom`) are read
 * from: the server's own process environment, read each time a target is checked or a rollback
 * is requested (so a rotated variable applies without saving the policy again). The variables of
 * Shipwatch's own configuration are never given out (`RESERVED_SECRET_VARIABLES`).
 */
import { CONFIG_VARIABLES } from '../config/config.schema.js';
import type { SecretEnvironment } from './rollback-target.rule.js';

export const secretEnvironment = (): SecretEnvironment => process.env;

export const RESERVED_SECRET_VARIABLES: ReadonlySet<string> = new Set(
  Object.values(CONFIG_VARIABLES).map((v) => v.name),
);
