import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeProblem, readPolicyFiles } from './policy-file.rule.js';
import { policyFileChecks } from './policy-file.schema.js';

const check = policyFileChecks();
const NOW = new Date('2026-12-05T00:00:00Z');
const read = (...files: [string, string][]) =>
  readPolicyFiles(
    files.map(([name, content]) => ({ name, content })),
    check,
    NOW,
  );

const CHECKOUT = `service: checkout
environment: production
mode: ENFORCE
timing:
  bakeSeconds: 900
slis:
  - name: errors
    objective: 0.999
    totalQuery: 'http_requests_total{service="{{service}}"}'
    badQuery: 'http_requests_total{service="{{service}}",code=~"5.."} or vector(0)'
`;

describe('reading verification policy files', () => {
  it('reads valid files into saveVerificationPolicy inputs', () => {
    const { policies, problems } = read(
      ['checkout.yaml', CHECKOUT],
      ['cart.yml', 'service: cart\nenvironment: staging\n'],
    );
    expect(problems).toEqual([]);
    expect(policies.map((p) => [p.file, p.input.service, p.input.environment])).toEqual([
      ['checkout.yaml', 'checkout', 'production'],
      ['cart.yml', 'cart', 'staging'],
    ]);
    expect(policies[0].input.timing).toEqual({ bakeSeconds: 900 });
  });

  it('names the file, line and field of an unknown field, and reads no policy at all', () => {
    const { policies, problems } = read(
      ['a.yaml', 'service: a\nenvironment: production\n'],
      [
        'checkout.yaml',
        CHECKOUT.replace('  bakeSeconds: 900', '  bakeSeconds: 900\n  bakeSecs: 60'),
      ],
    );
    expect(policies).toEqual([]);
    expect(problems.map(describeProblem)).toEqual([
      'checkout.yaml:6: timing.bakeSecs: unknown field',
    ]);
  });

  it('reads a rollback target whose secret is a reference, and refuses inline secrets', () => {
    const { policies, problems } = read([
      'a.yaml',
      'service: a\nenvironment: production\nrollbackTarget:\n  kind: GITLAB_PIPELINE_TRIGGER\n  projectId: "7"\n  ref: main\n  tokenFrom: { env: GITLAB_TRIGGER_TOKEN }\n',
    ]);
    expect(problems).toEqual([]);
    expect(policies[0].input.rollbackTarget).toEqual({
      kind: 'GITLAB_PIPELINE_TRIGGER',
      projectId: '7',
      ref: 'main',
      tokenFrom: { env: 'GITLAB_TRIGGER_TOKEN' },
    });

    const inline = read([
      'b.yaml',
      'service: b\nenvironment: production\nrollbackTarget:\n  kind: WEBHOOK\n  url: https://x.example\n  secret: hunter2hunter2hunter2\nclearRollbackTarget: true\n',
    ]).problems.map(describeProblem);
    expect(inline).toEqual([
      'b.yaml:7: clearRollbackTarget: unknown field',
      'b.yaml:6: rollbackTarget.secret: inline secrets are refused in files: give secretFrom: { env: <variable of the Shipwatch server> }',
    ]);
    expect(inline.join()).not.toContain('hunter2');
    expect(
      read([
        'c.yaml',
        'service: c\nenvironment: e\nrollbackTarget:\n  kind: WEBHOOK\n  token: t\n',
      ]).problems.map(describeProblem),
    ).toEqual([
      'c.yaml:5: rollbackTarget.token: inline secrets are refused in files: give tokenFrom: { env: <variable of the Shipwatch server> }',
    ]);
  });

  it('reports wrong types and values, missing fields and YAML errors with their lines', () => {
    const { problems } = read(
      [
        'types.yaml',
        'service: a\nenvironment: production\nmode: SOMETIMES\ntiming:\n  bakeSeconds: soon\n',
      ],
      ['missing.yaml', 'service: b\n'],
      ['broken.yaml', 'service: c\nenvironment: [production\n'],
      ['list.yaml', '- service: d\n'],
      ['dup.yaml', 'service: a\nservice: b\nenvironment: e\n'],
    );
    expect(problems.map(describeProblem)).toEqual([
      'types.yaml:3: mode: must be one of ADVISE, DRY_RUN, ENFORCE',
      'types.yaml:5: timing.bakeSeconds: must be integer',
      "missing.yaml:1: must have required property 'environment'",
      expect.stringMatching(/^broken\.yaml:\d+: /),
      'list.yaml:1: must be object',
      expect.stringMatching(/^dup\.yaml:2: .*unique/i),
    ]);
  });

  it('refuses two files for the same service and environment', () => {
    const { policies, problems } = read(
      ['one.yaml', 'service: a\nenvironment: production\n'],
      ['two.yaml', 'service: a\nenvironment: production\nmode: ENFORCE\n'],
    );
    expect(policies).toEqual([]);
    expect(problems.map(describeProblem)).toEqual([
      'two.yaml: a in production is also the policy of one.yaml',
    ]);
  });

  it('reads the example of docs/verification.md', () => {
    const docs = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'docs', 'verification.md'),
      'utf8',
    );
    const example = /```yaml\n(# policies\/checkout\.production\.yaml\n[\s\S]*?)```/.exec(docs);
    expect(example).not.toBeNull();
    const { policies, problems } = read(['checkout.production.yaml', example![1]]);
    expect(problems).toEqual([]);
    expect(policies[0].input).toMatchObject({
      service: 'checkout',
      mode: 'ENFORCE',
      alertChannels: ['SLACK'],
    });
  });
});

const FRIDAY = `kind: FreezeWindow
name: friday-evenings
environment: production
cron: "0 18 * * 5"
timeZone: Europe/Berlin
durationMinutes: 3780
reason: no deploys over the weekend
`;

describe('reading freeze window files (kind: FreezeWindow)', () => {
  it('reads a window beside a policy, as createFreezeWindow reads it', () => {
    const { policies, freezeWindows, problems } = read(
      ['cart.yaml', 'service: cart\nenvironment: staging\n'],
      ['friday.yaml', FRIDAY.replace('"0 18 * * 5"', '" 0  18 * * 5 "')],
    );
    expect(problems).toEqual([]);
    expect(policies.map((p) => p.file)).toEqual(['cart.yaml']);
    expect(freezeWindows).toEqual([
      {
        file: 'friday.yaml',
        target: {
          name: 'friday-evenings',
          scope: 'ENVIRONMENT',
          service: null,
          namespace: '',
          environment: 'production',
          cron: '0 18 * * 5',
          timeZone: 'Europe/Berlin',
          durationMinutes: 3780,
          reason: 'no deploys over the weekend',
          activeFrom: null,
          activeUntil: null,
        },
      },
    ]);
  });

  it('refuses an invalid cron, an unknown time zone and unknown fields, naming file and line, and reads nothing', () => {
    const { policies, freezeWindows, problems } = read(
      ['cart.yaml', 'service: cart\nenvironment: staging\n'],
      ['cron.yaml', FRIDAY.replace('"0 18 * * 5"', '"0 25 * * 5"')],
      ['zone.yaml', FRIDAY.replace('Europe/Berlin', 'Mars/Olympus')],
      ['until.yaml', `${FRIDAY}activeUntil: 2027-01-01\n`],
      ['short.yaml', 'kind: FreezeWindow\nname: x\n'],
    );
    expect(policies).toEqual([]);
    expect(freezeWindows).toEqual([]);
    expect(problems.map(describeProblem)).toEqual([
      expect.stringMatching(/^cron\.yaml:4: cron: cron "0 25 \* \* 5": /),
      'zone.yaml:5: timeZone: timeZone "Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin)',
      'until.yaml:8: activeUntil: unknown field',
      "short.yaml:1: must have required property 'cron'",
      "short.yaml:1: must have required property 'durationMinutes'",
      "short.yaml:1: must have required property 'reason'",
      "short.yaml:1: must have required property 'timeZone'",
    ]);
  });

  it('refuses two files with the same window name, and a kind it does not know', () => {
    const { freezeWindows, problems } = read(
      ['a.yaml', FRIDAY],
      ['b.yaml', FRIDAY.replace('environment: production', 'service: cart')],
      ['c.yaml', 'kind: DeployLock\nservice: c\nenvironment: e\n'],
    );
    expect(freezeWindows).toEqual([]);
    expect(problems.map(describeProblem)).toEqual([
      'b.yaml: name: freeze window "friday-evenings" is also the window of a.yaml',
      'c.yaml:1: kind: the only kind is FreezeWindow; a verification policy file has no kind',
    ]);
  });

  it('reads the example of docs/verification.md', () => {
    const docs = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'docs', 'verification.md'),
      'utf8',
    );
    const example = /```yaml\n\s*(# policies\/freeze\.weekend\.yaml\n[\s\S]*?)```/.exec(docs);
    expect(example).not.toBeNull();
    const content = example![1].replace(/^ {2}/gm, '');
    const { freezeWindows, problems } = read(['freeze.weekend.yaml', content]);
    expect(problems).toEqual([]);
    expect(freezeWindows[0].target).toMatchObject({
      name: 'weekend',
      scope: 'ENVIRONMENT',
      cron: '0 18 * * 5',
      durationMinutes: 3720,
    });
  });
});
