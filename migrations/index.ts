/**
 * Every migration, in order. Listed explicitly (no glob) so that the same list works under the
 * TypeScript test runner and from the build; `migrations.spec.ts` checks none is forgotten.
 */
import { InitialSchema1764460800000 } from './1764460800000-InitialSchema.js';

export const MIGRATIONS = [InitialSchema1764460800000];
