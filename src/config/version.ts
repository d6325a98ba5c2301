import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version, read once; works from src/ (tests) and dist/src/ (build). */
export const SHIPWATCH_VERSION: string = (() => {
  for (const up of ['../..', '../../..']) {
    try {
      const pkg = JSON.parse(
        readFileSync(join(import.meta.dirname, up, 'package.json'), 'utf8'),
      ) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'shipwatch' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
})();
