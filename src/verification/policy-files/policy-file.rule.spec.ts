import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeProblem, readPolicyFiles } from './policy-file.rule.js';
import { policyFileCheck } from './policy-file.schema.js';

const check = policyFileCheck();
const read = (...files: [string, string][]) =>
  readPolicyFiles(
    files.map(([name, content]) => ({ name, content })),
    check,
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
