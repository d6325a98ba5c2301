/**
 * What every event-reporting command shares: the envelope options, the source and event id
 * derivation, and sending one event with a readable answer.
 */
import { parseTime, type OptionSpecs } from '../args.js';
import { deriveEventId, detectCi, type CanonicalArgs, type CiContext } from '../ci-context.rule.js';
import { CliError, ExitCode } from '../cli.errors.js';
import type { Invocation } from '../command.js';
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
  'url',
  'token',
  'json',
  'help',
  'event-id',
  'wait-verdict',
  'timeout',
  'fail-on',
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

export async function sendEvent(
  inv: Invocation<OptionSpecs>,
  kind: EventKind,
  input: Record<string, unknown>,
): Promise<IngestOutcome> {
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
  return outcome;
}

/** `ACCEPTED` / `DUPLICATE (sent before; nothing changed)` plus the server's note. */
export function describeOutcome(outcome: IngestOutcome): string {
  const result =
    outcome.result === 'DUPLICATE'
      ? 'DUPLICATE (this event was sent before; nothing changed)'
      : outcome.result;
  return outcome.note ? `${result} (${outcome.note})` : result;
}
