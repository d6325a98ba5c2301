import type { GateAnswer } from '../gate/gate.rule.js';
import {
  MAX_COMMENT_LENGTH,
  callbackUrlRefusal,
  protectionAnswer,
} from './protection-answer.rule.js';

const asked = { service: 'api', version: 'f95f852', environment: 'production' };
const gate = (over: Partial<GateAnswer>): GateAnswer => ({
  decision: 'ALLOW',
  complete: true,
  reasons: [],
  ...over,
});

describe('protectionAnswer', () => {
  it('approves ALLOW', () => {
    expect(protectionAnswer(gate({}), asked, 'rejected')).toEqual({
      state: 'approved',
      comment: 'Shipwatch gate: ALLOW api f95f852 to production',
    });
  });

  it('approves WARN with the warnings', () => {
    const a = protectionAnswer(
      gate({
        decision: 'WARN',
        reasons: [
          { code: 'ENVIRONMENT_INCIDENT_OPEN', level: 'WARN', message: 'incident 7 is open' },
        ],
      }),
      asked,
      'rejected',
    );
    expect(a.state).toBe('approved');
    expect(a.comment).toBe(
      'Shipwatch gate: WARN api f95f852 to production\n- WARN ENVIRONMENT_INCIDENT_OPEN: incident 7 is open',
    );
  });

  it('rejects DENY, denials first, whatever GITHUB_GATE_INCOMPLETE says', () => {
    const a = protectionAnswer(
      gate({
        decision: 'DENY',
        complete: false,
        reasons: [
          { code: 'ERROR_BUDGET_UNKNOWN', level: 'UNKNOWN', message: 'Prometheus is down' },
          { code: 'LOCKED', level: 'DENY', message: 'production is locked by ops: freeze' },
        ],
      }),
      asked,
      'approved',
    );
    expect(a.state).toBe('rejected');
    expect(a.comment.split('\n')).toEqual([
      'Shipwatch gate: DENY api f95f852 to production',
      '- DENY LOCKED: production is locked by ops: freeze',
      '- UNKNOWN ERROR_BUDGET_UNKNOWN: Prometheus is down',
    ]);
  });

  it('answers an incomplete gate as configured, saying why', () => {
    const incomplete = gate({
      complete: false,
      reasons: [{ code: 'ERROR_BUDGET_UNKNOWN', level: 'UNKNOWN', message: 'Prometheus is down' }],
    });
    const rejected = protectionAnswer(incomplete, asked, 'rejected');
    expect(rejected.state).toBe('rejected');
    expect(rejected.comment).toContain('could not make every check');
    expect(rejected.comment).toContain('ERROR_BUDGET_UNKNOWN: Prometheus is down');
    expect(protectionAnswer(incomplete, asked, 'approved').state).toBe('approved');
  });

  it('keeps the comment short', () => {
    const reasons = Array.from({ length: 50 }, (_, i) => ({
      code: 'LOCKED' as const,
      level: 'DENY' as const,
      message: `lock ${i} `.repeat(10),
    }));
    const a = protectionAnswer(gate({ decision: 'DENY', reasons }), asked, 'rejected');
    expect(a.comment.length).toBe(MAX_COMMENT_LENGTH);
    expect(a.comment.endsWith('…')).toBe(true);
  });
});

describe('callbackUrlRefusal', () => {
  const callback = 'https://api.github.com/repos/o/r/actions/runs/1/deployment_protection_rule';

  it('accepts a callback on GITHUB_API_URL', () => {
    expect(callbackUrlRefusal(callback, 'https://api.github.com')).toBeNull();
    expect(
      callbackUrlRefusal(
        'https://ghe.example.com/api/v3/repos/o/r/actions/runs/1/deployment_protection_rule',
        'https://ghe.example.com/api/v3',
      ),
    ).toBeNull();
  });

  it.each([
    ['another host', 'https://evil.example.com/repos/o/r', 'https://api.github.com'],
    ['a look-alike host', 'https://api.github.com.evil.example/x', 'https://api.github.com'],
    ['another scheme', 'http://api.github.com/repos/o/r', 'https://api.github.com'],
    ['another port', 'https://api.github.com:8443/repos/o/r', 'https://api.github.com'],
    ['credentials', 'https://u:p@api.github.com/repos/o/r', 'https://api.github.com'],
    ['outside the API path', 'https://ghe.example.com/login', 'https://ghe.example.com/api/v3'],
  ])('refuses %s', (_, url, api) => {
    expect(callbackUrlRefusal(url, api)?.code).toBe('CALLBACK_HOST_NOT_ALLOWED');
  });

  it('refuses what is not a URL', () => {
    expect(callbackUrlRefusal('not a url', 'https://api.github.com')?.code).toBe(
      'CALLBACK_URL_INVALID',
    );
  });
});
