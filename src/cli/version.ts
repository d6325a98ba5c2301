import { SHIPWATCH_VERSION } from '../config/version.js';

/** The CLI ships in the shipwatch package: its version is the package's. */
export function cliVersion(): string {
  return SHIPWATCH_VERSION;
}
