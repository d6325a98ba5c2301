import fc from 'fast-check';

/**
 * fast-check arbitraries for the fuzz suites (test/e2e/fuzz-*.e2e-spec.ts): ingestion inputs
 * that GraphQL accepts (right types, any content) and mutations of any JSON document (wrong
 * types, missing and unknown keys, deep nesting, huge values).
 */

/** Strings that have broken parsers, databases and loggers before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e',
  '\ufeff',
  "'; DROP TABLE raw_events; --",
  '${jndi:ldap://127.0.0.1/a}',
  '<script>alert(1)</script>',
  '\\',
  '"',
  '%00',
  '../../etc/passwd',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '1e309',
  '😀👍🏽',
  'Ω≈ç√∫',
  '\r\n\r\n',
] as const;

/** Any text, including control characters, astral planes, nasty values and values near `max`. */
export function text(max: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: Math.max(0, max - 2), max: max + 2 }).map((n) => 'x'.repeat(n)),
    },
  );
}

/** Identifiers: mostly short and unique-ish, sometimes empty, blank, NUL or too long. */
export const id = fc.oneof(
  { weight: 8, arbitrary: fc.uuid() },
  { weight: 3, arbitrary: text(200) },
);

const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });

/** Commit SHAs: valid (7-64 hex, either case, padded) and invalid. */
export const sha = fc.oneof(
  { weight: 6, arbitrary: hex(7, 64) },
  { weight: 1, arbitrary: hex(7, 40).map((s) => s.toUpperCase()) },
  { weight: 1, arbitrary: hex(7, 40).map((s) => ` ${s} `) },
  { weight: 1, arbitrary: hex(0, 6) },
  { weight: 1, arbitrary: hex(65, 80) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/** RFC 3339 strings the DateTime scalar accepts: any era, offsets, the epoch, the far future. */
export const dateTime = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .date({ min: new Date('1999-06-01'), max: new Date('2027-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.date({ min: new Date('2000-01-02'), max: new Date('2026-01-01'), noInvalidDate: true }),
        fc.constantFrom('+00:00', '+05:30', '-12:00', '+14:00'),
      )
      .map(([d, offset]) => d.toISOString().replace('Z', offset)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '1970-01-01T00:00:00Z',
      '1999-12-31T23:59:59.999Z',
      '2000-01-01T00:00:00Z',
      '2024-02-29T12:00:00Z',
      '9999-12-31T23:59:59Z',
    ),
  },
);

/** Values of the wrong type for any field, and values no schema expects. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1.5, -0, 1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.constantFrom(
    '2026-02-30T00:00:00Z',
    '2026-01-01T00:00:00',
    '2026-13-01T00:00:00Z',
    'yesterday',
    '+275760-09-13T00:00:00.000Z',
    'NOT_AN_ENUM',
    'production; DROP',
  ),
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 20, max: 300 }).map((depth) => nested(depth)),
  fc.integer({ min: 10_000, max: 60_000 }).map((n) => 'y'.repeat(n)),
);

/** `{"a":{"a":...}}` (even depth) or `[[...]]` (odd depth), `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = depth % 2 === 0 ? { a: value } : [value];
  return value;
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 3 });

/** The field values the input records are built from. */
interface Leaves {
  readonly id: fc.Arbitrary<string>;
  readonly text: (max: number) => fc.Arbitrary<string>;
  readonly sha: fc.Arbitrary<string>;
  /** Any timestamp field but occurredAt (ordering rules apply to these). */
  readonly time: fc.Arbitrary<string | null>;
  readonly occurredAt: fc.Arbitrary<string | null>;
  readonly count: fc.Arbitrary<number>;
  readonly attempt: fc.Arbitrary<number>;
  readonly seconds: fc.Arbitrary<number>;
  readonly traceparent: fc.Arbitrary<string>;
}

const traceparent = fc
  .tuple(hex(32, 32), hex(16, 16))
  .map(([trace, span]) => `00-${trace}-${span}-01`);

/** Anything GraphQL's types allow: most events come out invalid in some way. */
const FUZZY: Leaves = {
  id,
  text,
  sha,
  time: optional(dateTime),
  occurredAt: optional(dateTime),
  count: fc.oneof(fc.nat({ max: 10_000 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  attempt: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  seconds: fc.double({ noNaN: true, noDefaultInfinity: true }),
  traceparent: fc.oneof(traceparent, text(60)),
};

/** Plausible values (printable text, valid SHAs, no conflicting timestamps): mostly ACCEPTED. */
const CLEAN: Leaves = {
  id: fc.uuid(),
  text: (max) => fc.string({ minLength: 1, maxLength: Math.min(max, 24) }),
  sha: hex(7, 40),
  time: fc.constant(null),
  occurredAt: optional(
    fc
      .date({ min: new Date('2020-01-01'), max: new Date('2025-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  ),
  count: fc.nat({ max: 10_000 }),
  attempt: fc.integer({ min: 1, max: 5 }),
  seconds: fc.double({ min: 0, max: 3_600, noNaN: true }),
  traceparent,
};

function inputs(l: Leaves) {
  const envelope = {
    source: fc.oneof({ weight: 5, arbitrary: fc.constant('fuzz') }, { weight: 1, arbitrary: l.id }),
    eventId: l.id,
    occurredAt: l.occurredAt,
    traceparent: optional(l.traceparent),
  };
  const commit = fc.record(
    {
      sha: l.sha,
      repository: optional(l.text(200)),
      message: optional(l.text(10_000)),
      authoredAt: l.time,
      committedAt: l.time,
    },
    { requiredKeys: ['sha'] },
  );
  const commits = (minLength = 0) => fc.array(commit, { minLength, maxLength: 4 });

  const deployment = fc.record(
    {
      ...envelope,
      deploymentId: l.id,
      service: fc.oneof(fc.constantFrom('checkout', 'cart', 'search'), l.text(200)),
      namespace: optional(l.text(200)),
      team: optional(l.text(200)),
      environment: fc.oneof(
        fc.constantFrom('production', 'staging', 'prod-eu', 'dev'),
        l.text(200),
      ),
      environmentTier: optional(fc.constantFrom('PRODUCTION', 'STAGING', 'TESTING', 'DEVELOPMENT')),
      version: optional(l.text(200)),
      previousVersion: optional(l.text(200)),
      commitSha: optional(l.sha),
      repository: optional(l.text(200)),
      commits: optional(commits()),
      status: fc.constantFrom(
        'QUEUED',
        'IN_PROGRESS',
        'SUCCEEDED',
        'FAILED',
        'CANCELLED',
        'ROLLED_BACK',
      ),
      kind: optional(fc.constantFrom('PLANNED', 'HOTFIX', 'ROLLBACK', 'REVERT')),
      remediates: optional(
        fc.array(
          fc.record(
            { kind: fc.constantFrom('DEPLOYMENT', 'INCIDENT'), id: l.id, source: optional(l.id) },
            { requiredKeys: ['kind', 'id'] },
          ),
          { maxLength: 3 },
        ),
      ),
      startedAt: l.time,
      finishedAt: l.time,
      url: optional(l.text(2_000)),
      pipelineRunId: optional(l.id),
      pipelineRunSource: optional(l.id),
    },
    { requiredKeys: ['source', 'eventId', 'deploymentId', 'service', 'environment', 'status'] },
  );

  const suite = fc.record(
    {
      name: l.id,
      passed: l.count,
      failed: l.count,
      skipped: l.count,
      durationSeconds: optional(l.seconds),
    },
    { requiredKeys: ['name', 'passed', 'failed', 'skipped'] },
  );
  const pipelineRun = fc
    .record(
      {
        ...envelope,
        runId: l.id,
        attempt: optional(l.attempt),
        pipelineName: fc.oneof(fc.constantFrom('build', 'deploy'), l.text(200)),
        repository: optional(l.text(200)),
        ref: optional(l.text(200)),
        commitSha: optional(l.sha),
        status: fc.constantFrom('QUEUED', 'RUNNING', 'FINISHED'),
        outcome: optional(
          fc.constantFrom('SUCCESS', 'FAILURE', 'ERROR', 'CANCELLED', 'SKIPPED', 'TIMEOUT'),
        ),
        queuedAt: l.time,
        startedAt: l.time,
        finishedAt: l.time,
        url: optional(l.text(2_000)),
        tests: optional(
          fc.record(
            {
              passed: l.count,
              failed: l.count,
              skipped: l.count,
              suites: optional(fc.array(suite, { maxLength: 3 })),
            },
            { requiredKeys: ['passed', 'failed', 'skipped'] },
          ),
        ),
      },
      { requiredKeys: ['source', 'eventId', 'runId', 'pipelineName', 'status'] },
    )
    // Clean runs keep the rule "an outcome only when FINISHED"; fuzzy ones break it at will.
    .map((run) => (l === CLEAN && run.status !== 'FINISHED' ? { ...run, outcome: null } : run));

  const change = fc.record(
    {
      ...envelope,
      repository: fc.oneof(fc.constantFrom('acme/shop', 'acme/api'), l.text(200)),
      commits: l === CLEAN ? commits(1) : optional(commits()),
      before: optional(l.sha),
      pushedAt: l.time,
      pullRequest: optional(
        fc.record(
          { id: l.id, firstCommitAt: l.time, mergedAt: l.time, mergeCommitSha: optional(l.sha) },
          { requiredKeys: ['id'] },
        ),
      ),
    },
    {
      requiredKeys: [
        'source',
        'eventId',
        'repository',
        ...(l === CLEAN ? ['commits' as const] : []),
      ],
    },
  );

  const incident = fc.record(
    {
      ...envelope,
      incidentId: l.id,
      services: optional(
        fc.array(
          fc.record(
            { name: l.text(200), namespace: optional(l.text(200)), team: optional(l.text(200)) },
            { requiredKeys: ['name'] },
          ),
          { maxLength: 3 },
        ),
      ),
      environment: optional(fc.oneof(fc.constant('production'), l.text(200))),
      environmentTier: optional(fc.constantFrom('PRODUCTION', 'STAGING', 'TESTING', 'DEVELOPMENT')),
      title: optional(l.text(2_000)),
      severity: optional(l.text(200)),
      url: optional(l.text(2_000)),
      impactStartedAt: l.time,
      detectedAt: l.time,
      mitigatedAt: l.time,
      resolvedAt: l.time,
      causedBy: optional(
        fc.array(fc.record({ source: optional(l.id), id: l.id }, { requiredKeys: ['id'] }), {
          maxLength: 3,
        }),
      ),
    },
    { requiredKeys: ['source', 'eventId', 'incidentId'] },
  );

  return { pipelineRun, deployment, change, incident };
}

const FUZZY_INPUTS = inputs(FUZZY);
const CLEAN_INPUTS = inputs(CLEAN);

export const EVENT_KINDS = ['pipelineRun', 'deployment', 'change', 'incident'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** An input record of one kind, fuzzy or clean (half each). */
export function inputOf(kind: EventKind): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    FUZZY_INPUTS[kind] as fc.Arbitrary<Record<string, unknown>>,
    CLEAN_INPUTS[kind] as fc.Arbitrary<Record<string, unknown>>,
  );
}

/**
 * An `EventInput` of the right GraphQL types: usually exactly one kind set (fuzzy or clean),
 * sometimes none or several (which ingestion must reject per item).
 */
export const eventInput: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.oneof(...EVENT_KINDS.map((kind) => inputOf(kind).map((i) => ({ [kind]: i })))),
  },
  { weight: 1, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(inputOf('deployment'), inputOf('pipelineRun'))
      .map(([deployment, pipelineRun]) => ({ deployment, pipelineRun })),
  },
);

/** One mutation of a JSON document: delete, replace or add at the `pick`-th path. */
export interface JsonMutation {
  readonly op: 'delete' | 'replace' | 'add' | 'root';
  readonly pick: number;
  readonly key: string;
  readonly value: unknown;
}

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.record({
  op: fc.oneof(
    { weight: 4, arbitrary: fc.constant('replace' as const) },
    { weight: 3, arbitrary: fc.constant('delete' as const) },
    { weight: 2, arbitrary: fc.constant('add' as const) },
    { weight: 1, arbitrary: fc.constant('root' as const) },
  ),
  pick: fc.nat(),
  key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '')),
  value: wrongValue,
});

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  if (depth > 12 || out.length > 5_000) return out;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      paths(v, [...prefix, i], out, depth + 1);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      paths(v, [...prefix, k], out, depth + 1);
    }
  }
  return out;
}

/** Applies mutations to a copy of `doc` (deterministic: the same mutations give the same result). */
export function mutateJson(doc: unknown, mutations: readonly JsonMutation[]): unknown {
  let out: unknown = structuredClone(doc);
  for (const mutation of mutations) {
    // A copy of the value each time: generated values are shared (and reused while shrinking).
    const m = { ...mutation, value: structuredClone(mutation.value) };
    const all = paths(out);
    if (m.op === 'root' || all.length === 0) {
      out = m.value;
      continue;
    }
    const path = all[m.pick % all.length];
    const parent = path.slice(0, -1).reduce<unknown>((node, k) => (node as never)[k], out) as
      Record<string, unknown> | unknown[];
    const last = path[path.length - 1];
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last as string];
    } else if (m.op === 'replace') {
      (parent as Record<string | number, unknown>)[last] = m.value;
    } else {
      const target = (parent as Record<string | number, unknown>)[last];
      if (Array.isArray(target)) target.push(m.value);
      else if (target !== null && typeof target === 'object') {
        Object.defineProperty(target, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else (parent as Record<string | number, unknown>)[last] = m.value;
    }
  }
  return out;
}

/** Runs of a property: its default, scaled by FUZZ_SCALE (e.g. 10 for a long local run). */
export function numRuns(defaultRuns: number): number {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  return Math.max(1, Math.round(defaultRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
