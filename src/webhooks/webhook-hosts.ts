import type { AppConfig } from '../config/config.schema.js';
import { hostSource } from './webhook-mapping.js';

/**
 * One Git host that may send webhooks, with its own secret. The secret that authenticates a
 * delivery names its source (`github`, `github:<host>`, ...): an unsigned header such as
 * X-GitHub-Enterprise-Host or X-Gitlab-Instance cannot move a delivery to another source.
 */
export interface WebhookHost {
  readonly host: string;
  readonly source: string;
  readonly secret: string;
}

/** The configured hosts of a Git provider; empty when its endpoint is not configured. */
export function webhookHosts(
  kind: 'github' | 'gitlab',
  config: Pick<
    AppConfig,
    | 'githubWebhookSecret'
    | 'githubWebhookHost'
    | 'githubWebhookSecrets'
    | 'gitlabWebhookToken'
    | 'gitlabWebhookHost'
    | 'gitlabWebhookTokens'
  >,
): WebhookHost[] {
  const [secret, host, more] =
    kind === 'github'
      ? [config.githubWebhookSecret, config.githubWebhookHost, config.githubWebhookSecrets]
      : [config.gitlabWebhookToken, config.gitlabWebhookHost, config.gitlabWebhookTokens];
  const entries = Object.entries(more);
  if (secret) entries.unshift([host, secret]);
  return entries.map(([h, s]) => ({
    host: h,
    source: hostSource(kind, `https://${h}`),
    secret: s,
  }));
}
