/** `shipwatch token create|list|revoke`: API tokens (needs an admin token). */
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import { renderTable } from '../output.js';
import { CREATE_TOKEN, LIST_TOKENS, REVOKE_TOKEN, type ApiTokenView } from '../operations.js';

const SCOPES = ['INGEST', 'READ', 'TRIAGE', 'ADMIN'] as const;

export const tokenCreate = defineCommand({
  path: ['token', 'create'],
  summary: 'Create an API token (printed once)',
  description:
    'Scopes: INGEST posts events (CI), READ queries (dashboards, wait-verdict), TRIAGE confirms or rejects incident causes, ADMIN everything including tokens and policies. The token is shown only now: store it as a CI secret (SHIPWATCH_TOKEN).',
  options: {
    name: {
      type: 'string',
      placeholder: '<name>',
      description: 'What the token is for, e.g. github-actions (required)',
    },
    scope: {
      type: 'string',
      multiple: true,
      placeholder: '<scope>',
      choices: SCOPES,
      description: 'Scope to grant (default: INGEST and READ, what a CI pipeline needs)',
    },
  },
  examples: [
    'shipwatch token create --name github-actions',
    'shipwatch token create --name grafana --scope READ',
  ],
  async run(inv) {
    if (!inv.values.name) throw new UsageError('--name is required', inv.command);
    const scopes = inv.values.scope.length > 0 ? inv.values.scope : ['INGEST', 'READ'];
    const data = await inv
      .client()
      .request<{ createApiToken: { token: string; apiToken: ApiTokenView } }>(
        CREATE_TOKEN,
        { input: { name: inv.values.name, scopes } },
        { idempotent: false },
      );
    const { token, apiToken } = data.createApiToken;
    inv.result(`${token}\n`, { token, ...apiToken });
    inv.info(
      `token ${apiToken.id} "${apiToken.name}" (${apiToken.scopes.join(', ')}) created; it is shown only once`,
    );
    return ExitCode.OK;
  },
});

export const tokenList = defineCommand({
  path: ['token', 'list'],
  summary: 'List API tokens (revoked ones included)',
  options: {},
  async run(inv) {
    const data = await inv.client().request<{ apiTokens: ApiTokenView[] }>(LIST_TOKENS);
    inv.result(
      renderTable(data.apiTokens, [
        { header: 'ID', value: (t) => t.id, align: 'right' },
        { header: 'NAME', value: (t) => t.name },
        { header: 'PREFIX', value: (t) => t.prefix },
        { header: 'SCOPES', value: (t) => t.scopes.join(',') },
        { header: 'CREATED', value: (t) => t.createdAt },
        { header: 'LAST USED', value: (t) => t.lastUsedAt },
        { header: 'REVOKED', value: (t) => t.revokedAt },
      ]),
      data.apiTokens,
    );
    return ExitCode.OK;
  },
});

export const tokenRevoke = defineCommand({
  path: ['token', 'revoke'],
  summary: 'Revoke an API token',
  positionals: [{ name: 'id', description: 'Token id (see `shipwatch token list`)' }],
  options: {},
  async run(inv) {
    const data = await inv.client().request<{ revokeApiToken: ApiTokenView }>(REVOKE_TOKEN, {
      id: inv.positionals[0],
    });
    const t = data.revokeApiToken;
    inv.result(`token ${t.id} "${t.name}" revoked at ${t.revokedAt ?? '?'}`, t);
    return ExitCode.OK;
  },
});
