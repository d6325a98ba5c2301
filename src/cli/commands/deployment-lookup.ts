/**
 * Deployments the CLI looks up: the previous successful one of a service and environment (for
 * the commit range), one by its natural key (source, external id) among the newest of its
 * service, and one by its Shipwatch id (to tell a Shipwatch id passed as --id).
 */
import type { OptionSpecs } from '../args.js';
import { CliError } from '../cli.errors.js';
import type { Invocation } from '../command.js';
import {
  DEPLOYMENT,
  DEPLOYMENTS_OF,
  SUCCEEDED_DEPLOYMENTS,
  type DeploymentView,
} from '../operations.js';

interface Scope {
  readonly service: string;
  readonly namespace?: string;
  readonly environment: string;
}

interface Node {
  readonly id: string;
  readonly source: string;
  readonly externalId: string;
  readonly commitSha: string | null;
}

type Page = { deployments: { edges: { node: Node }[] } };

/** Read access is optional for a pipeline token: without it, lookups give nothing. */
async function tolerant<T>(
  inv: Invocation<OptionSpecs>,
  what: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (
      error instanceof CliError &&
      (error.code === 'FORBIDDEN' || error.code === 'GRAPHQL_VALIDATION_FAILED')
    ) {
      inv.info(`${what}: not possible with this token (${error.code})`);
      return undefined;
    }
    throw error;
  }
}

const variables = (s: Scope) => ({
  service: s.service,
  namespace: s.namespace ?? null,
  environment: s.environment,
});

export async function previousDeployedSha(
  inv: Invocation<OptionSpecs>,
  target: Scope & {
    /** This deployment itself (a finish after a start, or a retry) is not its own predecessor. */
    readonly exclude: { readonly source: string; readonly externalId: string };
  },
): Promise<string | undefined> {
  const data = await tolerant(inv, 'commits: looking up the previous deployment', () =>
    inv.client().request<Page>(SUCCEEDED_DEPLOYMENTS, variables(target)),
  );
  const previous = data?.deployments.edges
    .map((e) => e.node)
    .find(
      (d) =>
        !(d.source === target.exclude.source && d.externalId === target.exclude.externalId) &&
        d.commitSha,
    );
  return previous?.commitSha ?? undefined;
}

/** Shipwatch's id of the deployment (source, externalId), among the newest of its service. */
export async function findDeploymentId(
  inv: Invocation<OptionSpecs>,
  target: Scope & { readonly source: string; readonly externalId: string },
): Promise<string | undefined> {
  const data = await tolerant(inv, 'finding the deployment id', () =>
    inv.client().request<Page>(DEPLOYMENTS_OF, variables(target)),
  );
  return data?.deployments.edges.find(
    (e) => e.node.source === target.source && e.node.externalId === target.externalId,
  )?.node.id;
}

/** A deployment by its Shipwatch id, or undefined (also when the token cannot read). */
export async function lookUpDeployment(
  inv: Invocation<OptionSpecs>,
  id: string,
): Promise<DeploymentView | undefined> {
  const data = await tolerant(inv, 'checking --id', () =>
    inv.client().request<{ deployment: DeploymentView | null }>(DEPLOYMENT, { id }),
  );
  return data?.deployment ?? undefined;
}
