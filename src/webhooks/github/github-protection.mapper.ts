import { badString } from '../../common/graphql/input.rule.js';
import { type JsonObject, MappingError, obj, optObj, optStr, str } from '../webhook-mapping.js';
import { deploymentIdentity } from './github-deployments.mapper.js';
import { need, repoName } from './github-payload.js';

/**
 * What a `deployment_protection_rule` (action `requested`) asks: may this deployment go ahead?
 * GitHub waits for the App installed on the repository to answer through `callbackUrl` with an
 * installation token. The service and version are read like a deployment's (deploymentIdentity).
 */
export interface ProtectionRequest {
  readonly service: string;
  readonly namespace?: string;
  /** The protected environment (the top-level `environment`, else the deployment's). */
  readonly environment: string;
  readonly version?: string;
  readonly ref?: string;
  readonly repository: string;
  readonly deploymentId: string;
  readonly installationId: string;
  readonly callbackUrl: string;
  /** What triggered the deployment (`push`, `workflow_dispatch`, ...). */
  readonly event?: string;
}

/** Throws MappingError when the payload lacks what an answer needs. */
export function protectionRequest(payload: JsonObject): ProtectionRequest {
  const action = str(payload, 'action', 'action');
  if (action !== 'requested') {
    throw new MappingError(`unknown action ${JSON.stringify(action)}`, 'action');
  }
  const repository = need(optObj(payload, 'repository'));
  const deployment = obj(payload, 'deployment');
  const installation = optObj(payload, 'installation');
  if (!installation) {
    throw new MappingError(
      'expected an object: the rule is answered by the GitHub App installed on the repository',
      'installation',
    );
  }
  // the id goes into the token URL's path: digits only
  const installationId = str(installation, 'id', 'installation.id');
  if (!/^\d{1,20}$/.test(installationId)) {
    throw new MappingError('expected a numeric id', 'installation.id');
  }
  const { service, namespace, version } = deploymentIdentity(deployment, repository);
  const ref = optStr(deployment, 'ref');
  const event = optStr(payload, 'event');
  const asked: ProtectionRequest = {
    service,
    ...(namespace ? { namespace } : {}),
    environment:
      optStr(payload, 'environment') ?? str(deployment, 'environment', 'deployment.environment'),
    ...(version ? { version } : {}),
    ...(ref ? { ref } : {}),
    repository: repoName(repository),
    deploymentId: str(deployment, 'id', 'deployment.id'),
    installationId,
    callbackUrl: str(payload, 'deployment_callback_url', 'deployment_callback_url'),
    ...(event ? { event } : {}),
  };
  // kept in the outbox (jsonb) and sent back to GitHub: text PostgreSQL can store
  for (const [field, value] of Object.entries(asked)) {
    const problem = badString(String(value));
    if (problem) throw new MappingError(`contains ${problem}`, field);
  }
  return asked;
}
