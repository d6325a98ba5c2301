import { Injectable } from '@nestjs/common';
import { BatchLoader } from '../../delivery/batch-loader.js';
import { DeployLocksRepository } from '../locks/deploy-locks.repository.js';
import { FreezeWindowsRepository } from './freeze-windows.repository.js';
import { timingOf } from './freeze-windows.service.js';
import { deployedDuringFreeze, type DeploymentInstant } from './frozen-deployment.rule.js';

const keyOf = (d: DeploymentInstant): string =>
  [d.service, d.namespace, d.environment, d.at.toISOString()].join('\u0000');

/**
 * Deployment.duringFreeze, batched per GraphQL request: the deployments a query level asks
 * about are answered together, from the locks and windows overlapping their span (two queries).
 */
@Injectable()
export class FrozenDeploymentsLoader {
  private readonly perRequest = new WeakMap<object, BatchLoader<string, boolean>>();

  constructor(
    private readonly locks: DeployLocksRepository,
    private readonly freezes: FreezeWindowsRepository,
  ) {}

  load(req: object, d: DeploymentInstant): Promise<boolean> {
    let loader = this.perRequest.get(req);
    if (!loader) {
      loader = new BatchLoader(
        (keys) => this.batch(keys),
        () => false,
      );
      this.perRequest.set(req, loader);
    }
    return loader.load(keyOf(d));
  }

  private async batch(keys: string[]): Promise<Map<string, boolean>> {
    const deployments = keys.map((k): DeploymentInstant => {
      const [service, namespace, environment, at] = k.split('\u0000');
      return { service, namespace, environment, at: new Date(at) };
    });
    const times = deployments.map((d) => d.at.getTime());
    const from = new Date(Math.min(...times));
    const to = new Date(Math.max(...times) + 1);
    const [locks, windows] = await Promise.all([
      this.locks.overlapping(from, to),
      this.freezes.overlapping(from, to),
    ]);
    const flags = deployedDuringFreeze(
      deployments,
      locks,
      windows.map((w) => ({ ...w, timing: timingOf(w) })),
    );
    return new Map(keys.map((k, i) => [k, flags[i]]));
  }
}
