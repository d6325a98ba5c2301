/**
 * One bad event must not sink its batch. `ingestEvents` answers one outcome per event for what
 * it can judge (REJECTED with errors), but an event whose fields do not fit the schema (an
 * unknown field, a status that is not in the enum, a number where a string goes) fails GraphQL's
 * coercion of the `$events` variable, and GraphQL then refuses the whole request:
 *
 *   Variable "$events" got invalid value "DONE" at "events[3].deployment.status"; Value "DONE"
 *   does not exist in "DeploymentStatus" enum.
 *
 * `sendSeparatingInvalid` rejects exactly the events those errors point at (with the reason) and
 * sends the others again. graphql-js reports at most 50 such errors per request, then one without
 * a path: the next round finds the rest. A refusal that names no event (none seen so far) is
 * narrowed down by halving the batch, so the valid events are always stored.
 */
import { GraphqlRequestError, type GraphqlErrorBody } from './graphql.client.js';

export interface EventOutcome {
  readonly result: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  readonly errors?: readonly { readonly field?: string; readonly message: string }[];
}

export interface InvalidEvent {
  readonly index: number;
  /** The path inside the event, e.g. `deployment.status` (empty for the event itself). */
  readonly field: string;
  readonly message: string;
}

/** The events of variable `variable` that GraphQL's variable coercion refused, with why. */
export function invalidEvents(
  errors: readonly GraphqlErrorBody[],
  variable: string,
): { readonly invalid: InvalidEvent[]; readonly unexplained: GraphqlErrorBody[] } {
  const invalid: InvalidEvent[] = [];
  const unexplained: GraphqlErrorBody[] = [];
  const prefix = `Variable "$${variable}" got invalid value `;
  // Greedy: the value printed before " at" may itself contain quotes.
  const at = new RegExp(`^.* at "${variable}\\[(\\d+)\\]((?:\\.[^".]+|\\[\\d+\\])*)"; (.*)$`, 's');
  for (const error of errors) {
    const m = error.message.startsWith(prefix) ? at.exec(error.message) : null;
    if (m) {
      invalid.push({ index: Number(m[1]), field: m[2].replace(/^\./, ''), message: m[3] });
    } else {
      unexplained.push(error);
    }
  }
  return { invalid, unexplained };
}

/**
 * Sends `events` with `send` (one outcome per event, in order) and returns one outcome per event:
 * events refused by the schema are REJECTED with the reason, every other event is sent.
 * Errors other than a refusal of the input (network, authentication) are thrown.
 */
export async function sendSeparatingInvalid<E>(
  events: readonly E[],
  send: (events: readonly E[]) => Promise<readonly EventOutcome[]>,
  variable = 'events',
): Promise<EventOutcome[]> {
  const outcomes: (EventOutcome | undefined)[] = new Array<EventOutcome | undefined>(events.length);
  const run = async (indexes: readonly number[]): Promise<void> => {
    let pending = [...indexes];
    while (pending.length > 0) {
      let answered: readonly EventOutcome[];
      try {
        answered = await send(pending.map((i) => events[i]));
      } catch (error) {
        if (!(error instanceof GraphqlRequestError) || error.code !== 'BAD_USER_INPUT') throw error;
        const { invalid } = invalidEvents(error.errors, variable);
        const refused = new Map<number, EventOutcome>();
        for (const e of invalid) {
          const index = pending[e.index];
          if (index === undefined) continue;
          const errors = [...(refused.get(index)?.errors ?? [])];
          errors.push({ field: e.field, message: e.message });
          refused.set(index, { result: 'REJECTED', errors });
        }
        if (refused.size > 0) {
          for (const [index, outcome] of refused) outcomes[index] = outcome;
          pending = pending.filter((i) => !refused.has(i));
          continue;
        }
        if (pending.length === 1) {
          outcomes[pending[0]] = {
            result: 'REJECTED',
            errors: error.errors.map((e) => ({ field: '', message: e.message })),
          };
          return;
        }
        const half = Math.ceil(pending.length / 2);
        await run(pending.slice(0, half));
        await run(pending.slice(half));
        return;
      }
      if (answered.length !== pending.length) {
        throw new Error(`the server answered ${answered.length} outcomes for ${pending.length}`);
      }
      pending.forEach((index, k) => (outcomes[index] = answered[k]));
      return;
    }
  };
  await run(events.map((_, i) => i));
  return outcomes.map((o) => o!);
}
