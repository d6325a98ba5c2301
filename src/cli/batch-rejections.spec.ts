import { buildSchema, graphql } from 'graphql';
import { sendSeparatingInvalid, invalidEvents, type EventOutcome } from './batch-rejections.js';
import { CliError, ExitCode } from './cli.errors.js';
import { errorFromGraphql } from './graphql.client.js';

/**
 * The refusals come from graphql-js itself (the library the server runs), on a schema shaped like
 * `ingestEvents`, so the messages and the 50-error limit are the real ones. Apollo adds
 * `extensions.code: BAD_USER_INPUT` to them; so does this stand-in.
 */
const schema = buildSchema(`
  enum Status { SUCCEEDED FAILED }
  input DeploymentInput { eventId: String!, status: Status, version: String }
  input EventInput { deployment: DeploymentInput }
  type Outcome { result: String! }
  type Query { ok: Boolean }
  type Mutation { ingestEvents(events: [EventInput!]!): [Outcome!]! }
`);
const MUTATION = 'mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { result } }';

function server() {
  const requests: number[] = [];
  const send = async (events: readonly unknown[]): Promise<EventOutcome[]> => {
    requests.push(events.length);
    const answer = await graphql({
      schema,
      source: MUTATION,
      variableValues: { events },
      rootValue: {
        ingestEvents: (args: { events: unknown[] }) =>
          args.events.map(() => ({ result: 'ACCEPTED' })),
      },
    });
    if (answer.errors) {
      throw errorFromGraphql(
        answer.errors.map((e) => ({ message: e.message, extensions: { code: 'BAD_USER_INPUT' } })),
      );
    }
    return (answer.data as { ingestEvents: EventOutcome[] }).ingestEvents;
  };
  return { send, requests };
}

const ok = (i: number) => ({ deployment: { eventId: `e${i}`, status: 'SUCCEEDED' } });

describe('sendSeparatingInvalid', () => {
  it('rejects the events the schema refuses, with the field and reason, and stores the others in one more request', async () => {
    const events: unknown[] = Array.from({ length: 10 }, (_, i) => ok(i));
    events[2] = { deployment: { eventId: 'e2', status: 'DONE' } };
    events[7] = { deployment: { eventId: 'e7', colour: 'red' } };
    events[8] = { deployment: { eventId: 'e8', version: 3 } };
    const s = server();
    const outcomes = await sendSeparatingInvalid(events, s.send);
    expect(s.requests).toEqual([10, 7]);
    expect(outcomes.map((o) => o.result)).toEqual([
      'ACCEPTED',
      'ACCEPTED',
      'REJECTED',
      'ACCEPTED',
      'ACCEPTED',
      'ACCEPTED',
      'ACCEPTED',
      'REJECTED',
      'REJECTED',
      'ACCEPTED',
    ]);
    expect(outcomes[2].errors).toEqual([
      {
        field: 'deployment.status',
        message: 'Value "DONE" does not exist in "Status" enum.',
      },
    ]);
    expect(outcomes[7].errors).toEqual([
      {
        field: 'deployment',
        message: 'Field "colour" is not defined by type "DeploymentInput".',
      },
    ]);
    expect(outcomes[8].errors).toEqual([
      {
        field: 'deployment.version',
        message: 'String cannot represent a non string value: 3',
      },
    ]);
  });

  it('finds every bad event past graphql-js’ limit of 50 errors per request', async () => {
    const events = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0 ? { deployment: { eventId: `e${i}`, status: 'NOPE' } } : ok(i),
    );
    const s = server();
    const outcomes = await sendSeparatingInvalid(events, s.send);
    expect(outcomes.filter((o) => o.result === 'REJECTED')).toHaveLength(100);
    expect(outcomes.filter((o) => o.result === 'ACCEPTED')).toHaveLength(100);
    expect(outcomes.every((o, i) => (o.result === 'REJECTED') === (i % 2 === 0))).toBe(true);
    // 50 found per refusal, then the valid half in one request.
    expect(s.requests).toEqual([200, 150, 100]);
  });

  it('narrows down a refusal that names no event by halving, so valid events are still stored', async () => {
    const requests: number[] = [];
    const poison = (e: unknown) => (e as { poison?: boolean }).poison === true;
    const send = async (events: readonly unknown[]): Promise<EventOutcome[]> => {
      requests.push(events.length);
      if (events.some(poison)) {
        throw errorFromGraphql([
          { message: 'request refused', extensions: { code: 'BAD_USER_INPUT' } },
        ]);
      }
      return events.map(() => ({ result: 'ACCEPTED' }));
    };
    const events: unknown[] = Array.from({ length: 8 }, (_, i) => ({ n: i }));
    events[5] = { poison: true };
    const outcomes = await sendSeparatingInvalid(events, send);
    expect(outcomes.map((o) => o.result)).toEqual([
      'ACCEPTED',
      'ACCEPTED',
      'ACCEPTED',
      'ACCEPTED',
      'ACCEPTED',
      'REJECTED',
      'ACCEPTED',
      'ACCEPTED',
    ]);
    expect(outcomes[5].errors).toEqual([{ field: '', message: 'request refused' }]);
    expect(requests).toEqual([8, 4, 4, 2, 1, 1, 2]);
  });

  it('passes other failures on: the import stops and resumes from its checkpoint', async () => {
    const down = new CliError(ExitCode.UNREACHABLE, 'cannot reach Shipwatch', 'UNREACHABLE');
    await expect(sendSeparatingInvalid([ok(1)], () => Promise.reject(down))).rejects.toBe(down);
    const forbidden = errorFromGraphql([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]);
    await expect(sendSeparatingInvalid([ok(1)], () => Promise.reject(forbidden))).rejects.toBe(
      forbidden,
    );
  });
});

describe('invalidEvents', () => {
  it('reads the index and the path from graphql-js messages, even when the value printed holds quotes', () => {
    const { invalid, unexplained } = invalidEvents(
      [
        {
          message:
            'Variable "$events" got invalid value { note: "x at \\"events[9]\\"" } at "events[12].deployment.commits[0].sha"; String cannot represent a non string value: 1',
        },
        {
          message: 'Too many errors processing variables, error limit reached. Execution aborted.',
        },
        { message: 'Variable "$other" got invalid value 1 at "other[1]"; nope' },
      ],
      'events',
    );
    expect(invalid).toEqual([
      {
        index: 12,
        field: 'deployment.commits[0].sha',
        message: 'String cannot represent a non string value: 1',
      },
    ]);
    expect(unexplained.map((e) => e.message.slice(0, 12))).toEqual([
      'Too many err',
      'Variable "$o',
    ]);
  });
});
