import type {
  ChangeEvent,
  DeploymentEvent,
  DeploymentKind,
  Envelope,
  IncidentEvent,
  PipelineRunEvent,
  RunOutcome,
  RunStatus,
  TestOutcome,
  TestResultEvent,
} from '../../ingestion/domain-events.js';
import {
  entryOf,
  type JsonObject,
  type MappedDelivery,
  MappingError,
  isObject,
  obj,
  optObj,
  optSha,
  optStr,
  optTime,
  str,
  time,
} from '../webhook-mapping.js';
import type { ReceivedCloudEvent } from './cloudevents.parser.js';

/**
 * The identity of a CloudEvent for deduplication, within its source: its `id`, as CloudEvents
 * makes `(source, id)` unique, so a replay under another type is a DUPLICATE. Only CloudEvents
 * 0.3 events (the legacy Jenkins CDEvents plugin, which sends pipelinerun and taskrun events
 * under one id) are keyed by type and id.
 */
export function cloudEventDedupeKey(
  event: Pick<ReceivedCloudEvent, 'id' | 'type' | 'specversion'>,
): string {
  return event.specversion === '0.3' ? `${event.type}/${event.id}` : event.id;
}

/** `dev.cdevents.<subject>.<predicate>.<M.m.p>`, e.g. `dev.cdevents.service.deployed.0.3.0`. */
const CDEVENT_TYPE = /^dev\.cdevents\.([a-z]+)\.([a-z]+)\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

export function parseCdeventType(
  type: string,
): { subject: string; predicate: string; version: string } | undefined {
  const m = CDEVENT_TYPE.exec(type);
  return m ? { subject: m[1], predicate: m[2], version: m[3] } : undefined;
}

/**
 * CloudEvents binding of CDEvents: the CloudEvent's id, source and type MUST equal the CDEvent's
 * context.id, context.source and context.type. Returns the mismatches.
 */
export function contextMismatches(event: ReceivedCloudEvent): string[] {
  const context = isObject(event.data) ? optObj(event.data, 'context') : undefined;
  if (!context) return ['the data is not a CDEvent: it has no context object'];
  const problems: string[] = [];
  for (const name of ['id', 'source', 'type'] as const) {
    if (context[name] !== event[name]) {
      problems.push(
        `the CloudEvent ${name} ${JSON.stringify(event[name])} differs from the CDEvent context.${name} ${JSON.stringify(context[name])}`,
      );
    }
  }
  return problems;
}

/** Shipwatch conventions read from a CDEvent's `customData` object when present. */
interface Conventions {
  readonly version?: string;
  readonly commitSha?: string;
  readonly repository?: string;
  readonly ref?: string;
  readonly namespace?: string;
  readonly severity?: string;
  /** A deployment's target (region, cluster) of a multi-target release. */
  readonly target?: string;
  /** When the deployment started (CDEvents only says when it was deployed). */
  readonly startedAt?: Date;
}

function conventions(cdevent: JsonObject): Conventions {
  const contentType = optStr(cdevent, 'customDataContentType');
  const data = optObj(cdevent, 'customData');
  if (!data || (contentType && !contentType.toLowerCase().includes('json'))) return {};
  return {
    version: optStr(data, 'version'),
    commitSha: optSha(optStr(data, 'commitSha')),
    repository: optStr(data, 'repository'),
    ref: optStr(data, 'ref'),
    namespace: optStr(data, 'namespace'),
    severity: optStr(data, 'severity'),
    target: optStr(data, 'target'),
    startedAt: optTime(data, 'startedAt', 'customData.startedAt'),
  };
}

/**
 * Maps one schema-valid CDEvent (v0.2.0 to v0.5.1: the releases differ in envelope names and
 * `url`/`uri`, not in the other fields read here) onto domain events. Pure. Events Shipwatch does not model are returned
 * without events and with a note; they are stored raw.
 */
export function mapCdevent(event: ReceivedCloudEvent): MappedDelivery {
  const kind = parseCdeventType(event.type);
  const cdevent = event.data;
  if (!kind || !isObject(cdevent)) throw new MappingError('not a CDEvent');
  const context = obj(cdevent, 'context');
  const subject = obj(cdevent, 'subject');
  const content = optObj(subject, 'content') ?? {};
  const occurredAt = time(context, 'timestamp', 'context.timestamp');
  const dedupeKey = cloudEventDedupeKey(event);
  const subjectId = str(subject, 'id', 'subject.id');
  // the subject's natural key is (subject.source, subject.id); source defaults to the context's
  const subjectSource = optStr(subject, 'source') ?? event.source;
  const envelope: Envelope = {
    source: subjectSource,
    eventId: dedupeKey,
    occurredAt,
    traceParent: traceParent(event),
  };
  const base = { kind: event.type, source: event.source, dedupeKey, occurredAt };
  const custom = conventions(cdevent);
  const stored = (note: string): MappedDelivery => ({ ...base, events: [], note });
  const uri = optStr(content, 'uri') ?? optStr(content, 'url'); // url until v0.4, uri since v0.5
  const chainId = cdeventChainId(context);

  switch (kind.subject) {
    case 'pipelinerun': {
      const phase = RUN_PREDICATE[kind.predicate];
      if (!phase) return stored(unmodelled(event.type));
      const run = runEvent(envelope, subjectId, phase, occurredAt, content, custom);
      return {
        ...base,
        events: [
          {
            ...run,
            pipelineName: optStr(content, 'pipelineName') ?? subjectId,
            url: uri,
            chainId,
          },
        ],
      };
    }
    case 'taskrun': {
      const phase = RUN_PREDICATE[kind.predicate];
      const pipelineRun = optObj(content, 'pipelineRun');
      if (pipelineRun) {
        return stored(
          `${event.type}: a task of pipeline run ${str(pipelineRun, 'id', 'subject.content.pipelineRun.id')}; Shipwatch models the pipeline run from its own pipelinerun events and stores the task run`,
        );
      }
      if (!phase) return stored(unmodelled(event.type));
      // a task run outside any pipeline is a run of its own
      const run = runEvent(envelope, `taskrun/${subjectId}`, phase, occurredAt, content, custom);
      return {
        ...base,
        events: [{ ...run, pipelineName: optStr(content, 'taskName') ?? subjectId, url: uri }],
      };
    }
    case 'build': {
      const phase = RUN_PREDICATE[kind.predicate];
      if (!phase) return stored(unmodelled(event.type));
      // build.finished carries no outcome: a build that produced an artifact succeeded
      const run = runEvent(envelope, `build/${subjectId}`, phase, occurredAt, content, custom);
      const outcome: RunOutcome | undefined =
        phase === 'FINISHED' && optStr(content, 'artifactId') ? 'SUCCESS' : undefined;
      return { ...base, events: [{ ...run, pipelineName: 'build', outcome }] };
    }
    case 'service': {
      const deploymentKind = SERVICE_PREDICATE[kind.predicate];
      if (!deploymentKind) {
        return stored(
          `${event.type} is stored; Shipwatch counts service deployed, upgraded and rolledback as deployments`,
        );
      }
      return {
        ...base,
        events: [
          serviceDeployment(
            envelope,
            // the deployment's natural id: the event's type and id, as before the dedupe key
            // became the id alone, so that a deployment keeps its id across that change
            `${event.type}/${event.id}`,
            subjectId,
            content,
            custom,
            deploymentKind,
            occurredAt,
          ),
        ],
      };
    }
    case 'incident': {
      if (!['detected', 'reported', 'resolved'].includes(kind.predicate)) {
        return stored(unmodelled(event.type));
      }
      return {
        ...base,
        events: [incidentEvent(envelope, subjectId, kind.predicate, content, custom, occurredAt)],
      };
    }
    case 'change': {
      if (kind.predicate === 'merged' && custom.commitSha) {
        return {
          ...base,
          events: [mergedChange(envelope, subjectId, subjectSource, content, custom, occurredAt)],
        };
      }
      // the merge and the commit it lands may come in separate events of the change: kept by
      // the change (its source and subject.id) until both are known
      const merged = kind.predicate === 'merged';
      if (!merged && (kind.predicate === 'abandoned' || !custom.commitSha)) {
        return stored(
          `${event.type} is stored; Shipwatch records changes when they are merged (change.merged) or pushed, and takes the commit a change lands from customData.commitSha of any of its events`,
        );
      }
      return {
        ...base,
        events: [
          {
            type: 'change',
            envelope,
            repository:
              custom.repository ?? repositoryName(optObj(content, 'repository'), subjectSource),
            commits: [],
            pullRequest: { id: subjectId },
            subjectFacts: merged ? { mergedAt: occurredAt } : { commitSha: custom.commitSha },
          },
        ],
      };
    }
    case 'testsuiterun':
    case 'testcaserun': {
      if (!TEST_PREDICATES.has(kind.predicate)) return stored(unmodelled(event.type));
      if (!chainId) {
        return stored(
          `${event.type} is stored; it names no chain (context.chainId, CDEvents v0.4 and later), so no pipeline run can be found for it (send totals with the run: GraphQL recordPipelineRun tests)`,
        );
      }
      return { ...base, events: [testResult(envelope, kind, subjectId, chainId, content)] };
    }
    default:
      return stored(unmodelled(event.type));
  }
}

/**
 * The chain a CDEvent belongs to: `context.chainId` (v0.4.1 and later; `chain_id` in v0.4.0),
 * which every event of one CD flow shares across tools.
 */
export function cdeventChainId(context: JsonObject): string | undefined {
  return optStr(context, 'chainId') ?? optStr(context, 'chain_id');
}

const TEST_PREDICATES = new Set(['queued', 'started', 'finished', 'skipped']);

/** `pass`/`fail` until v0.4, `success`/`failure` since v0.5; a cancelled test did not run. */
const TEST_OUTCOME: Readonly<Record<string, TestOutcome | undefined>> = {
  pass: 'PASSED',
  success: 'PASSED',
  fail: 'FAILED',
  failure: 'FAILED',
  error: 'FAILED',
  cancel: 'SKIPPED',
};

/** testsuiterun / testcaserun: a result in the chain; an outcome once finished or skipped. */
function testResult(
  envelope: Envelope,
  kind: { subject: string; predicate: string },
  subjectId: string,
  chainId: string,
  content: JsonObject,
): TestResultEvent {
  const suite = kind.subject === 'testsuiterun';
  const test = optObj(content, suite ? 'testSuite' : 'testCase');
  const suiteRun = suite ? undefined : optObj(content, 'testSuiteRun');
  const outcome = optStr(content, 'outcome');
  return {
    type: 'testResult',
    envelope,
    level: suite ? 'SUITE' : 'CASE',
    resultId: subjectId,
    chainId,
    suiteRunId: suiteRun ? optStr(suiteRun, 'id') : undefined,
    name: test ? (optStr(test, 'name') ?? optStr(test, 'id')) : undefined,
    outcome:
      kind.predicate === 'skipped'
        ? 'SKIPPED'
        : kind.predicate === 'finished' && outcome
          ? entryOf(TEST_OUTCOME, outcome)
          : undefined,
  };
}

const unmodelled = (type: string): string =>
  `${type} is stored; Shipwatch does not model this event`;

/** W3C trace context of the CI run, from the CloudEvents distributed-tracing extension. */
function traceParent(event: ReceivedCloudEvent): string | undefined {
  const value = event.extensions.traceparent;
  return value && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(value)
    ? value
    : undefined;
}

const RUN_PREDICATE: Readonly<Record<string, RunStatus | undefined>> = {
  queued: 'QUEUED',
  started: 'RUNNING',
  finished: 'FINISHED',
};

const OUTCOME: Readonly<Record<string, RunOutcome | undefined>> = {
  success: 'SUCCESS',
  failure: 'FAILURE',
  cancel: 'CANCELLED',
  error: 'ERROR',
};

/**
 * A run of the subject. Pipeline runs keep the subject id; task runs and builds are other
 * subjects whose ids may repeat a pipeline run's, so their run ids are prefixed
 * (`taskrun/<id>`, `build/<id>`).
 */
function runEvent(
  envelope: Envelope,
  runId: string,
  status: RunStatus,
  at: Date,
  content: JsonObject,
  custom: Conventions,
): Omit<PipelineRunEvent, 'pipelineName'> & { pipelineName?: string } {
  const outcome = optStr(content, 'outcome');
  return {
    type: 'pipelineRun',
    envelope,
    runId,
    attempt: 1,
    repository: custom.repository,
    ref: custom.ref,
    commitSha: custom.commitSha,
    status,
    outcome: status === 'FINISHED' && outcome ? entryOf(OUTCOME, outcome) : undefined,
    queuedAt: status === 'QUEUED' ? at : undefined,
    startedAt: status === 'RUNNING' ? at : undefined,
    finishedAt: status === 'FINISHED' ? at : undefined,
  };
}

const SERVICE_PREDICATE: Readonly<Record<string, DeploymentKind | undefined>> = {
  deployed: 'PLANNED',
  upgraded: 'PLANNED',
  rolledback: 'ROLLBACK',
};

/** `service/myapp`, `default/myapp` and `myapp` all name the service `myapp`. */
export function serviceName(id: string): string {
  const segments = id.split('/').filter((s) => s !== '');
  return segments[segments.length - 1] ?? id;
}

/**
 * The version in a package URL: the `tag` qualifier (OCI images), else the purl version,
 * percent-decoded (`pkg:oci/myapp@sha256%3A0b31...` -> `sha256:0b31...`).
 */
export function purlVersion(purl: string | undefined): string | undefined {
  if (!purl?.startsWith('pkg:')) return undefined;
  const [beforeHash] = purl.split('#', 1);
  const [path, query = ''] = beforeHash.split('?', 2);
  const tag = new URLSearchParams(query).get('tag');
  if (tag) return tag;
  const at = path.lastIndexOf('@');
  if (at < 0) return undefined;
  try {
    return decodeURIComponent(path.slice(at + 1)) || undefined;
  } catch {
    return path.slice(at + 1) || undefined;
  }
}

/**
 * service.deployed / upgraded / rolledback: a finished, successful deployment of the subject
 * service into content.environment. CDEvents has no deployment id: each event is one deployment.
 */
function serviceDeployment(
  envelope: Envelope,
  deploymentId: string,
  subjectId: string,
  content: JsonObject,
  custom: Conventions,
  kind: DeploymentKind,
  at: Date,
): DeploymentEvent {
  const environment = obj(content, 'environment', 'subject.content.environment');
  return {
    type: 'deployment',
    envelope,
    deploymentId,
    service: {
      name: serviceName(subjectId),
      ...(custom.namespace ? { namespace: custom.namespace } : {}),
      repository: custom.repository,
    },
    environment: { name: str(environment, 'id', 'subject.content.environment.id') },
    ...(custom.target ? { target: custom.target } : {}),
    version: custom.version ?? purlVersion(optStr(content, 'artifactId')) ?? custom.commitSha,
    commitSha: custom.commitSha,
    repository: custom.repository,
    status: 'SUCCEEDED',
    kind: kind === 'PLANNED' ? undefined : kind,
    startedAt: custom.startedAt,
    finishedAt: at,
  };
}

function incidentEvent(
  envelope: Envelope,
  incidentId: string,
  predicate: string,
  content: JsonObject,
  custom: Conventions,
  at: Date,
): IncidentEvent {
  const service = optObj(content, 'service');
  const environment = optObj(content, 'environment');
  return {
    type: 'incident',
    envelope,
    incidentId,
    services: service
      ? [
          {
            name: serviceName(str(service, 'id', 'subject.content.service.id')),
            ...(custom.namespace ? { namespace: custom.namespace } : {}),
          },
        ]
      : [],
    environment: environment
      ? { name: str(environment, 'id', 'subject.content.environment.id') }
      : undefined,
    title: optStr(content, 'description'),
    severity: custom.severity,
    url: optStr(content, 'ticketURI'),
    // the artifact the incident names is the version of the service it affects: the latest
    // deployment of it into the incident's environment is its cause
    causedByVersion: custom.version ?? purlVersion(optStr(content, 'artifactId')),
    // a reported incident has been detected by then; the earliest detection is kept
    detectedAt: predicate === 'resolved' ? undefined : at,
    resolvedAt: predicate === 'resolved' ? at : undefined,
  };
}

/**
 * The repository of a change: its id (`org/repo`, as Shipwatch names repositories everywhere),
 * else the subject's source.
 */
function repositoryName(repository: JsonObject | undefined, fallback: string): string {
  return repository ? str(repository, 'id', 'subject.content.repository.id') : fallback;
}

function mergedChange(
  envelope: Envelope,
  changeId: string,
  subjectSource: string,
  content: JsonObject,
  custom: Conventions,
  at: Date,
): ChangeEvent {
  const repository =
    custom.repository ?? repositoryName(optObj(content, 'repository'), subjectSource);
  return {
    type: 'change',
    envelope,
    repository,
    commits: [],
    pullRequest: { id: changeId, mergedAt: at, mergeCommitSha: custom.commitSha },
  };
}
