import type { GateAnswer, GateReasonLevel } from '../gate/gate.rule.js';

/**
 * How Shipwatch answers a GitHub deployment protection rule, from the gate's answer. Pure.
 *
 * | gate                                | state                               |
 * | ----------------------------------- | ----------------------------------- |
 * | ALLOW                               | approved                            |
 * | WARN                                | approved (the warnings in comment)  |
 * | DENY                                | rejected                            |
 * | incomplete (complete=false), no DENY| GITHUB_GATE_INCOMPLETE (default rejected) |
 */
export type ProtectionState = 'approved' | 'rejected';

export interface ProtectionAnswer {
  readonly state: ProtectionState;
  readonly comment: string;
}

/** GitHub shows the comment on the run; a long one helps nobody. */
export const MAX_COMMENT_LENGTH = 1000;

const ORDER: Readonly<Record<GateReasonLevel, number>> = { DENY: 0, UNKNOWN: 1, WARN: 2 };

export function protectionAnswer(
  gate: GateAnswer,
  asked: { readonly service: string; readonly version?: string; readonly environment: string },
  incomplete: ProtectionState,
): ProtectionAnswer {
  const what = `${asked.service}${asked.version ? ` ${asked.version}` : ''} to ${asked.environment}`;
  let state: ProtectionState;
  let head: string;
  if (gate.decision === 'DENY') {
    state = 'rejected';
    head = `Shipwatch gate: DENY ${what}`;
  } else if (!gate.complete) {
    state = incomplete;
    head = `Shipwatch gate: could not make every check for ${what} (${gate.decision}); ${incomplete} as GITHUB_GATE_INCOMPLETE says`;
  } else {
    state = 'approved';
    head = `Shipwatch gate: ${gate.decision} ${what}`;
  }
  const reasons = [...gate.reasons]
    .sort((a, b) => ORDER[a.level] - ORDER[b.level])
    .map((r) => `- ${r.level} ${r.code}: ${r.message}`);
  return { state, comment: bounded([head, ...reasons].join('\n')) };
}

function bounded(comment: string): string {
  if (comment.length <= MAX_COMMENT_LENGTH) return comment;
  return `${comment.slice(0, MAX_COMMENT_LENGTH - 1)}…`;
}

/** Why a callback URL is refused; the code is logged and stored as the entry's error. */
export interface CallbackRefusal {
  readonly code: 'CALLBACK_URL_INVALID' | 'CALLBACK_HOST_NOT_ALLOWED';
  readonly message: string;
}

/**
 * The App's installation token is sent to the callback URL, which comes from the payload: it
 * must be on GITHUB_API_URL (same scheme, host and port, under its path: GitHub Enterprise
 * Server's `/api/v3`), else a forged or misrouted payload could collect the token.
 */
export function callbackUrlRefusal(callbackUrl: string, apiUrl: string): CallbackRefusal | null {
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    return { code: 'CALLBACK_URL_INVALID', message: 'deployment_callback_url is not a URL' };
  }
  const api = new URL(apiUrl);
  const base = api.pathname.replace(/\/+$/, '');
  if (
    url.protocol !== api.protocol ||
    url.host !== api.host ||
    url.username !== '' ||
    url.password !== '' ||
    !url.pathname.startsWith(`${base}/`)
  ) {
    return {
      code: 'CALLBACK_HOST_NOT_ALLOWED',
      message: `deployment_callback_url is on ${url.protocol}//${url.host}, not on GITHUB_API_URL ${api.origin}${base}: no installation token is sent there`,
    };
  }
  return null;
}
