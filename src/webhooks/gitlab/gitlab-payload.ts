import type { Envelope } from '../../ingestion/domain-events.js';
import { type JsonObject, MappingError, optObj, optStr } from '../webhook-mapping.js';

/** The envelope of one delivery at an occurrence time (source and event id are the delivery's). */
export type EnvelopeAt = (occurredAt: Date | undefined) => Envelope;

/** Optional overrides from the webhook URL, e.g. `/webhooks/gitlab?service=checkout`. */
export interface GitlabHookOptions {
  readonly service?: string;
  readonly namespace?: string;
  /**
   * `?service_from=environment`: a deployment to an environment in a folder (`production/api`)
   * is of the service named by its last segment (`api`) to the environment named by the rest
   * (`production`): the services of a monorepo project, which one project hook cannot tell apart.
   */
  readonly serviceFromEnvironment?: boolean;
  /** The environment of the incidents the hooks report (GitLab incidents name none). */
  readonly environment?: string;
}

/** The project's web URL, for links. */
export function projectUrl(payload: JsonObject): string | undefined {
  const project = optObj(payload, 'project');
  if (project) return optStr(project, 'web_url');
  const repository = optObj(payload, 'repository');
  return repository ? optStr(repository, 'homepage') : undefined;
}

/**
 * The repository identity shared by pushes, runs and deployments: `group/project`
 * (path_with_namespace, CI_PROJECT_PATH), like GitHub's `owner/name`.
 */
export function projectRepository(payload: JsonObject): string | undefined {
  const project = optObj(payload, 'project');
  const path = project ? optStr(project, 'path_with_namespace') : undefined;
  if (path) return path;
  const url = projectUrl(payload);
  if (!url) return undefined;
  try {
    return new URL(url).pathname.replace(/^\/+|\/+$/g, '') || undefined;
  } catch {
    return undefined;
  }
}

export function requireRepository(payload: JsonObject): string {
  const repository = projectRepository(payload);
  if (!repository) throw new MappingError('expected an object with path_with_namespace', 'project');
  return repository;
}

/** The last segment of `group/sub/project`: how CI jobs usually name the service they build. */
export function projectPath(payload: JsonObject): string | undefined {
  const project = optObj(payload, 'project');
  const full = project
    ? (optStr(project, 'path_with_namespace') ?? optStr(project, 'name'))
    : optStr(payload, 'project_name');
  return full?.split('/').pop()?.trim() || undefined;
}
