import { decideGate, type GateFacts } from './gate.rule.js';

const NOW = new Date('2026-03-02T10:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);
const facts = (over: Partial<GateFacts> = {}): GateFacts => ({
  service: 'checkout',
  environment: 'production',
  version: '1.4.2',
  serviceKnown: true,
  locks: [],
  openIncidents: [],
  runningVerifications: [],
  latestVerdict: { verdict: 'HEALTHY', version: '1.4.1', finishedAt: ago(600) },
  failedVersion: null,
  budget: {
    kind: 'READ',
    slis: [{ name: 'errors', burnRate: 0.4 }],
    threshold: 6,
    windowSeconds: 3600,
  },
  now: NOW,
  ...over,
});
const codes = (f: GateFacts) => decideGate(f).reasons.map((r) => `${r.level} ${r.code}`);

describe('decideGate', () => {
  it('allows a known service with nothing against it', () => {
    expect(decideGate(facts())).toEqual({ decision: 'ALLOW', complete: true, reasons: [] });
  });

  it('allows an unknown service, with a WARN reason that says why nothing could be judged', () => {
    const answer = decideGate(
      facts({
        serviceKnown: false,
        latestVerdict: null,
        budget: { kind: 'NOT_APPLICABLE', why: 'no policy' },
      }),
    );
    expect(answer.decision).toBe('ALLOW');
    expect(answer.reasons).toEqual([
      {
        code: 'UNKNOWN_SERVICE',
        level: 'WARN',
        message:
          'Shipwatch has never seen checkout: no incident, verdict or budget can speak for or against it (is the name its OpenTelemetry service.name?)',
      },
    ]);
  });

  it('denies on an open incident of the service, warns on one of the environment', () => {
    const incident = {
      id: '1',
      externalId: 'INC-7',
      title: 'checkout 5xx',
      severity: 'SEV2',
      namesService: true,
    };
    expect(decideGate(facts({ openIncidents: [incident] }))).toMatchObject({
      decision: 'DENY',
      reasons: [
        {
          code: 'INCIDENT_OPEN',
          message: 'incident INC-7 (SEV2) "checkout 5xx" on checkout is open',
        },
      ],
    });
    expect(
      decideGate(
        facts({
          openIncidents: [{ ...incident, namesService: false, title: null, severity: null }],
        }),
      ),
    ).toMatchObject({
      decision: 'WARN',
      reasons: [
        { code: 'ENVIRONMENT_INCIDENT_OPEN', message: 'incident INC-7 in production is open' },
      ],
    });
  });

  it('denies a version that FAILED before, a release still being verified, and a recently degraded environment', () => {
    const denied = facts({
      failedVersion: { deploymentId: '17', environment: 'staging', finishedAt: ago(7200) },
      runningVerifications: [{ deploymentId: '20', version: '1.4.1' }],
      latestVerdict: { verdict: 'ENV_DEGRADED', version: '1.4.0', finishedAt: ago(1800) },
    });
    expect(decideGate(denied).decision).toBe('DENY');
    expect(codes(denied)).toEqual([
      'DENY VERSION_FAILED',
      'DENY VERIFICATION_RUNNING',
      'DENY ENV_DEGRADED',
    ]);
    // An ENV_DEGRADED verdict older than an hour no longer holds the gate.
    expect(
      codes(
        facts({ latestVerdict: { verdict: 'ENV_DEGRADED', version: null, finishedAt: ago(3601) } }),
      ),
    ).toEqual([]);
  });

  it('denies on a burning error budget and cannot decide when the burn is unreadable', () => {
    const burning = facts({
      budget: {
        kind: 'READ',
        slis: [
          { name: 'errors', burnRate: 14.4 },
          { name: 'latency', burnRate: null },
        ],
        threshold: 6,
        windowSeconds: 3600,
      },
    });
    expect(decideGate(burning)).toMatchObject({
      decision: 'DENY',
      reasons: [
        {
          code: 'ERROR_BUDGET_BURNING',
          message:
            'checkout in production burns its errors budget at 14.4× over the last 60 min (the policy pages from 6×)',
        },
      ],
    });
    const unknown = decideGate(
      facts({ budget: { kind: 'UNAVAILABLE', message: 'Prometheus is unavailable' } }),
    );
    expect(unknown).toMatchObject({ decision: 'ALLOW', complete: false });
    expect(unknown.reasons.map((r) => r.code)).toEqual(['ERROR_BUDGET_UNKNOWN']);
  });

  it('denies under an active lock and ignores an expired one', () => {
    const lock = {
      id: '3',
      scope: 'SERVICE' as const,
      service: 'checkout',
      environment: 'production',
      lockedBy: 'ana',
      reason: 'payment provider migration',
      until: new Date(NOW.getTime() + 3600_000),
    };
    expect(decideGate(facts({ locks: [lock] })).reasons).toEqual([
      {
        code: 'LOCKED',
        level: 'DENY',
        message:
          'checkout in production is locked by ana until 2026-03-02T11:00:00.000Z: payment provider migration',
      },
    ]);
    expect(decideGate(facts({ locks: [{ ...lock, until: NOW }] })).decision).toBe('ALLOW');
  });

  it('denies during each open freeze window, naming it, who set it, why and when it ends', () => {
    const weekend = {
      id: '4',
      name: 'Weekend',
      scope: 'ENVIRONMENT' as const,
      service: null,
      environment: 'production',
      createdBy: 'release managers',
      reason: 'nobody on call',
      start: ago(3600),
      end: new Date(NOW.getTime() + 7200_000),
    };
    const everything = {
      ...weekend,
      id: '5',
      name: 'Year end',
      scope: 'EVERYTHING' as const,
      environment: null,
      reason: 'closing the books',
    };
    const answer = decideGate(facts({ freezes: [weekend, everything] }));
    expect(answer.decision).toBe('DENY');
    // Overlapping windows: each is a reason.
    expect(answer.reasons).toEqual([
      {
        code: 'FREEZE',
        level: 'DENY',
        message:
          'every deployment to production is frozen by window "Weekend" (4, set by release managers) from 2026-03-02T09:00:00.000Z until 2026-03-02T12:00:00.000Z: nobody on call',
      },
      {
        code: 'FREEZE',
        level: 'DENY',
        message:
          'every deployment is frozen by window "Year end" (5, set by release managers) from 2026-03-02T09:00:00.000Z until 2026-03-02T12:00:00.000Z: closing the books',
      },
    ]);
    // An occurrence that has ended, or not begun, freezes nothing.
    expect(decideGate(facts({ freezes: [{ ...weekend, end: NOW }] })).decision).toBe('ALLOW');
    expect(
      decideGate(facts({ freezes: [{ ...weekend, start: new Date(NOW.getTime() + 1) }] })).decision,
    ).toBe('ALLOW');
  });

  it('denies AUTO_LOCKED while an incident of the environment locks it by configuration', () => {
    const sev1 = {
      id: '8',
      externalId: 'INC-12',
      title: 'payments down',
      severity: 'sev1',
      namesService: false,
    };
    const verdict = {
      id: '9',
      externalId: 'release-verification-41',
      title: null,
      severity: 'critical',
      namesService: false,
      fromFailedVerdict: true,
    };
    const autoLock = { onFailed: true, severities: ['SEV1', 'SEV2'] };
    expect(decideGate(facts({ openIncidents: [sev1, verdict], autoLock }))).toEqual({
      decision: 'DENY',
      complete: true,
      reasons: [
        {
          code: 'AUTO_LOCKED',
          level: 'DENY',
          message:
            'every deployment to production is locked while incident INC-12 (sev1) "payments down" is open (SHIPWATCH_AUTO_LOCK_ON_SEVERITIES)',
        },
        {
          code: 'AUTO_LOCKED',
          level: 'DENY',
          message:
            'every deployment to production is locked while incident release-verification-41 (critical) is open (SHIPWATCH_AUTO_LOCK_ON_FAILED)',
        },
      ],
    });
    // Not configured (or another severity): the environment's incidents only warn.
    const off = { onFailed: false, severities: ['SEV2'] };
    expect(codes(facts({ openIncidents: [sev1, verdict], autoLock: off }))).toEqual([
      'WARN ENVIRONMENT_INCIDENT_OPEN',
      'WARN ENVIRONMENT_INCIDENT_OPEN',
    ]);
    expect(codes(facts({ openIncidents: [sev1, verdict] }))).toEqual([
      'WARN ENVIRONMENT_INCIDENT_OPEN',
      'WARN ENVIRONMENT_INCIDENT_OPEN',
    ]);
    // An incident on the service itself stays INCIDENT_OPEN.
    expect(codes(facts({ openIncidents: [{ ...sev1, namesService: true }], autoLock }))).toEqual([
      'DENY INCIDENT_OPEN',
    ]);
  });
});

describe('decideGate: a later wave of a multi-target release', () => {
  const wave = (target: string, status: string, verification: string | null, id = '7') => ({
    target,
    deploymentId: id,
    status,
    verification,
  });
  const third = (waves: GateFacts['waves']) => facts({ target: 'c', waves });

  it('allows when every earlier target was judged healthy', () => {
    expect(
      decideGate(
        third([
          wave('a', 'SUCCEEDED', 'HEALTHY'),
          wave('b', 'SUCCEEDED', 'HEALTHY_LOW_CONFIDENCE'),
        ]),
      ),
    ).toEqual({ decision: 'ALLOW', complete: true, reasons: [] });
  });

  it('denies when an earlier target FAILED, DEGRADED or was rolled back, naming it', () => {
    for (const [status, verification, said] of [
      ['SUCCEEDED', 'FAILED', 'judged FAILED'],
      ['SUCCEEDED', 'DEGRADED', 'judged DEGRADED'],
      ['ROLLED_BACK', 'HEALTHY', 'rolled back'],
    ] as const) {
      const answer = decideGate(
        third([wave('a', 'SUCCEEDED', 'HEALTHY'), wave('b', status, verification, '9')]),
      );
      expect(answer.decision).toBe('DENY');
      expect(answer.reasons).toEqual([
        {
          code: 'WAVE_FAILED',
          level: 'DENY',
          message: `checkout 1.4.2 in b (deployment 9) was ${said}: this wave would ship the same release`,
        },
      ]);
    }
  });

  it('denies (wait) while an earlier target is still deploying or verifying', () => {
    expect(codes(third([wave('a', 'IN_PROGRESS', null)]))).toEqual(['DENY WAVE_VERIFYING']);
    expect(codes(third([wave('a', 'SUCCEEDED', 'RUNNING')]))).toEqual(['DENY WAVE_VERIFYING']);
  });

  it('only warns when an earlier target gave no evidence: missing data never denies', () => {
    for (const [status, verification] of [
      ['SUCCEEDED', 'UNVERIFIED'],
      ['SUCCEEDED', 'INCONCLUSIVE'],
      ['SUCCEEDED', null],
      ['FAILED', null],
    ] as const) {
      const answer = decideGate(third([wave('a', status, verification)]));
      expect(answer.decision).toBe('WARN');
      expect(answer.reasons.map((r) => r.code)).toEqual(['WAVE_UNVERIFIED']);
    }
  });

  it('ignores its own target, and asks nothing of waves without a target or a version', () => {
    expect(codes(third([wave('c', 'ROLLED_BACK', 'FAILED')]))).toEqual([]);
    const bad = [wave('a', 'ROLLED_BACK', 'FAILED')];
    expect(codes(facts({ target: null, waves: bad }))).toEqual([]);
    expect(codes(facts({ version: null, target: 'c', waves: bad }))).toEqual([]);
  });
});
