/**
 * What every event-reporting command shares: the envelope options, the source and event id
 * derivation, and sending one event with a readable answer.
 */
import { isAbsoluteTime, parseTime, type OptionSpecs } from '../args.js';
import { deriveEventId, detectCi, type CanonicalArgs, type CiContext } from '../ci-context.rule.js';
import { CliError, ExitCode, UsageError } from '../cli.errors.js';
import type { Invocation } from '../command.js';
import { linkProblem } from '../url-role.rule.js';
import { RECORD_MUTATIONS, type EventKind, type IngestOutcome } from '../operations.js';

export const ENVELOPE_OPTIONS = {
  source: {
    type: 'string',
    placeholder: '<source>',
    description:
      'Producer of the event (default: $SHIPWATCH_SOURCE, else the CI system, else shipwatch-cli)',
  },
  'event-id': {
    type: 'string',
    placeholder: '<id>',
    description:
      'Dedupe key; sending the same id again is a DUPLICATE (default: derived from the CI run, job, command and arguments)',
  },
  'occurred-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'When it happened: RFC 3339, "now" or "15m ago" (default: now)',
  },
  traceparent: {
    type: 'string',
    placeholder: '<traceparent>',
    description: 'W3C traceparent of the CI run (default: $TRACEPARENT)',
  },
} as const satisfies OptionSpecs;

/** Options that only change how the CLI talks or prints, never what the event says. */
const NOT_CONTENT = new Set([
  'server',
  'url',
  'token',
  'json',
  'help',
  'event-id',
  'wait-verdict',
  'timeout',
  'fail-on',
  'allow-unverified',
  'interval',
]);

export function canonicalArgs(values: Record<string, unknown>): CanonicalArgs {
  const out: Record<string, string | boolean | readonly string[] | undefined> = {};
  for (const [key, value] of Object.entries(values)) {
    if (NOT_CONTENT.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'boolean' || Array.isArray(value)) {
      out[key] = value as string | boolean | readonly string[];
    }
  }
  return out;
}

export interface Envelope {
  readonly source: string;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly traceparent?: string;
}

export interface EventContext {
  readonly ci: CiContext | null;
  readonly source: string;
  readonly now: Date;
}

export function eventContext(inv: Invocation<typeof ENVELOPE_OPTIONS>): EventContext {
  const ci = detectCi(inv.ctx.env);
  return {
    ci,
    source:
      inv.values.source ??
      (inv.ctx.env.SHIPWATCH_SOURCE || undefined) ??
      ci?.system ??
      'shipwatch-cli',
    now: inv.ctx.now(),
  };
}

/** The envelope of this invocation's event; the id is derived from the arguments given. */
export function envelope(inv: Invocation<typeof ENVELOPE_OPTIONS>, ec: EventContext): Envelope {
  const { eventId, stable } = deriveEventId({
    explicit: inv.values['event-id'],
    ci: ec.ci,
    command: inv.command,
    args: canonicalArgs(inv.values),
  });
  if (!stable) {
    inv.info(`event id ${eventId} (outside CI; pass --event-id to make retries idempotent)`);
  }
  const occurredAt = inv.values['occurred-at']
    ? time(inv, 'occurred-at', inv.values['occurred-at'])
    : ec.now.toISOString();
  const traceparent = inv.values.traceparent ?? (inv.ctx.env.TRACEPARENT || undefined);
  return { source: ec.source, eventId, occurredAt, ...(traceparent ? { traceparent } : {}) };
}

/** The --link of an event, refused when it is the Shipwatch server (see url-role.rule.ts). */
export function link(inv: Invocation<OptionSpecs>, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = linkProblem(value, inv.serverUrl);
  if (problem) throw new UsageError(problem, inv.command);
  return value;
}

export function time(inv: Invocation<OptionSpecs>, flag: string, value: string): string {
  return parseTime(`--${flag}`, value, inv.ctx.now()).toISOString();
}

/** Optional time flag as ISO, or undefined. */
export function optionalTime(
  inv: Invocation<OptionSpecs>,
  flag: string,
  value: string | undefined,
): string | undefined {
  return value === undefined ? undefined : time(inv, flag, value);
}

/** Drops undefined fields (GraphQL would read them as absent anyway; this keeps payloads small). */
export function compact<T extends Record<string, unknown>>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as T;
}

/** An event's outcome, with the fields a DUPLICATE really differs in (clock-read times aside). */
export interface SentOutcome extends IngestOutcome {
  /**
   * DUPLICATE: the fields in which the stored event differs from this one, leaving out the times
   * this invocation read from the clock (a retried step cannot repeat them). Empty for a retry.
   */
  readonly changedFields: readonly string[];
}

/**
 * The top-level `…At` fields of an event whose flag was not given as an absolute time: their
 * value came from the clock (`now`, `15m ago`, or the default), so a retry sends another one.
 */
function clockFields(inv: Invocation<OptionSpecs>, input: Record<string, unknown>): Set<string> {
  const values = inv.values as Record<string, unknown>;
  return new Set(
    Object.keys(input).filter((field) => {
      if (!/At$/.test(field)) return false;
      const flag = field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const value = values[flag];
      return !isAbsoluteTime(typeof value === 'string' ? value : undefined);
    }),
  );
}

export async function sendEvent(
  inv: Invocation<OptionSpecs>,
  kind: EventKind,
  input: Record<string, unknown>,
): Promise<SentOutcome> {
  const mutation = RECORD_MUTATIONS[kind];
  const field = mutation
    .slice(mutation.indexOf('{') + 1)
    .trim()
    .split('(')[0];
  const data = await inv.client().request<Record<string, IngestOutcome>>(mutation, { input });
  const outcome = data[field];
  if (outcome.result === 'REJECTED') {
    throw new CliError(ExitCode.FAILURE, `the ${kind} event was rejected`, 'REJECTED', {
      errors: outcome.errors,
    });
  }
  const clock = clockFields(inv, input);
  return {
    ...outcome,
    changedFields: (outcome.differingFields ?? []).filter((f) => !clock.has(f)),
  };
}

/**
 * `ACCEPTED`, `DUPLICATE (sent before; nothing changed)` for a retry (whatever times it read
 * from the clock), or a DUPLICATE that names what differs in the event kept.
 */
export function describeOutcome(outcome: SentOutcome): string {
  if (outcome.result !== 'DUPLICATE') {
    return outcome.note ? `${outcome.result} (${outcome.note})` : outcome.result;
  }
  if (outcome.changedFields.length === 0) {
    return 'DUPLICATE (this event was sent before; nothing changed)';
  }
  return `DUPLICATE: an event with this id but a different ${outcome.changedFields.join(', ')} was sent before and is kept; nothing changed (pass another --event-id to send a new event)`;
}
