import type { DomainEvent, Envelope } from '../../ingestion/domain-events.js';
import {
  entryOf,
  type DeliveryIdentity,
  type Headers,
  type MappedDelivery,
  MappingError,
  type Unmapped,
  isObject,
  optObj,
} from '../webhook-mapping.js';
import { githubPullRequest, githubPush } from './github-changes.mapper.js';
import { githubDeployment } from './github-deployments.mapper.js';
import { need } from './github-payload.js';
import { protectionRequest } from './github-protection.mapper.js';
import {
  checkRunEvent,
  checkSuiteEvent,
  commitStatusEvent,
  workflowJobEvent,
  workflowRunEvent,
} from './github-runs.mapper.js';

/** The GitHub events Shipwatch applies; every other event is stored raw and acknowledged. */
export const GITHUB_EVENTS = [
  'deployment',
  'deployment_status',
  'workflow_run',
  'workflow_job',
  'deployment_review',
  'check_suite',
  'check_run',
  'status',
  'push',
  'pull_request',
] as const;

/**
 * Events that carry nothing Shipwatch does not learn from the events above: stored, with the
 * reason as the delivery's note (docs/integrations.md, "What GitHub events become").
 */
const STORED_ONLY: Readonly<Record<string, string>> = {
  release:
    "release is stored: it names a tag, not an environment or a commit (target_commitish is a branch); the deployment it triggers reports itself (deployment, deployment_status) and the tag's commit arrives with the tag push",
  merge_group:
    'merge_group is stored: the merge queue runs its CI as workflow_run or check_suite (head branch gh-readonly-queue/...), and the pull requests it merges arrive as pull_request closed and merged',
};

/**
 * Maps one GitHub webhook delivery (headers lower-cased, parsed JSON body) onto domain events,
 * under the source and dedupe key the endpoint decided (from the secret and the signed body).
 * Pure: the same input always gives the same output. Throws MappingError when the payload does
 * not have the documented shape.
 */
export function mapGithubDelivery(
  headers: Headers,
  payload: unknown,
  identity: DeliveryIdentity,
): MappedDelivery {
  const event = headers['x-github-event'];
  if (!event) throw new MappingError('the X-GitHub-Event header is missing');
  if (!isObject(payload)) throw new MappingError('the body is not a JSON object');
  const { source, dedupeKey } = identity;
  const base = { kind: event, source, dedupeKey };
  const envelope = (occurredAt: Date | undefined): Envelope => ({
    source,
    eventId: dedupeKey,
    occurredAt,
  });
  const repository = () => need(optObj(payload, 'repository'));
  /** One run event, or the note why the delivery is stored only. */
  const run = (mapped: DomainEvent | Unmapped): MappedDelivery =>
    'note' in mapped
      ? { ...base, events: [], note: mapped.note }
      : { ...base, occurredAt: mapped.envelope.occurredAt, events: [mapped] };

  switch (event) {
    case 'ping':
      return { ...base, events: [], note: 'ping: the webhook reaches Shipwatch' };
    case 'deployment':
      return { ...base, ...githubDeployment(envelope, payload, 'created') };
    case 'deployment_status':
      return { ...base, ...githubDeployment(envelope, payload, 'status') };
    case 'workflow_run':
    case 'deployment_review':
      return run(workflowRunEvent(envelope, payload, repository()));
    case 'workflow_job':
      return run(workflowJobEvent(envelope, payload, repository()));
    case 'check_suite':
      return run(checkSuiteEvent(envelope, payload, repository()));
    case 'check_run':
      return run(checkRunEvent(envelope, payload, repository()));
    case 'status':
      return run(commitStatusEvent(envelope, payload, repository()));
    case 'push':
      return { ...base, ...githubPush(envelope, payload) };
    case 'pull_request':
      return { ...base, ...githubPullRequest(envelope, payload) };
    case 'deployment_protection_rule': {
      const asked = protectionRequest(payload);
      return {
        ...base,
        events: [],
        note: `deployment_protection_rule: the gate answers for ${asked.service}${asked.version ? ` ${asked.version}` : ''} in ${asked.environment} through the deployment callback (GitHub App)`,
      };
    }
    default:
      return {
        ...base,
        events: [],
        note:
          entryOf(STORED_ONLY, event) ??
          `GitHub event ${JSON.stringify(event)} is stored; Shipwatch applies ${GITHUB_EVENTS.join(', ')}`,
      };
  }
}
