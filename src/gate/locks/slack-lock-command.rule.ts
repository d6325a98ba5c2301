/**
 * The Slack slash command for deploy locks (docs/gate.md, "From Slack"): what Slack posts
 * (form-encoded, docs.slack.dev/interactivity/implementing-slash-commands), what its text asks,
 * and the ephemeral answers. Pure.
 *
 *     /shipwatch lock <service|*> <environment|*> [for <duration>] <reason...>
 *     /shipwatch unlock <lock id>
 *     /shipwatch unlock <service|*> <environment|*>
 *     /shipwatch locks
 *     /shipwatch help
 *
 * `*` is "every": `lock * production` locks the environment, `lock checkout *` the service in
 * every environment, `lock * *` every deployment. A service in a namespace is `<namespace>/<service>`.
 * A duration is days, hours and minutes: `30m`, `2h`, `1h30m`, `1d`.
 */
import { escapeSlack } from '../../remediation/senders/slack.payload.js';
import { covered } from '../gate.rule.js';
import type { DeployLock } from './deploy-lock.model.js';
import type { LockScope } from './deploy-lock.rule.js';

/** The fields of a slash command request Shipwatch reads. */
export interface SlashCommand {
  readonly teamId: string | null;
  readonly userId: string;
  readonly userName: string;
  readonly channelName: string | null;
  /** The command as typed (`/shipwatch`, or whatever the Slack app names it). */
  readonly command: string;
  readonly text: string;
}

export type SlashCommandRead =
  | { readonly ok: true; readonly command: SlashCommand }
  | { readonly ok: false; readonly problem: string };

const str = (v: string | null): string | null => (v !== null && v.trim() !== '' ? v : null);

export function slashCommand(formBody: string): SlashCommandRead {
  const form = new URLSearchParams(formBody);
  const command = str(form.get('command'));
  if (!command) return { ok: false, problem: 'the body is not a slash command (no command field)' };
  const userId = str(form.get('user_id'));
  if (!userId) return { ok: false, problem: 'the slash command has no user_id' };
  return {
    ok: true,
    command: {
      teamId: str(form.get('team_id')),
      userId,
      userName: str(form.get('user_name')) ?? userId,
      channelName: str(form.get('channel_name')),
      command,
      text: form.get('text') ?? '',
    },
  };
}

/** A lock's target as typed: null is `*`. */
export interface TypedTarget {
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
}

export type LockCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | {
      readonly kind: 'lock';
      readonly target: TypedTarget;
      /** From `for <duration>`; null: until unlocked. */
      readonly seconds: number | null;
      readonly reason: string;
    }
  | { readonly kind: 'unlock-id'; readonly id: string }
  | { readonly kind: 'unlock-target'; readonly target: TypedTarget }
  /** Text that asks nothing Shipwatch knows: answered with the problem and the usage. */
  | { readonly kind: 'usage'; readonly problem: string };

/** Longest `for`: a lock meant to last longer has no `for`, and is unlocked by hand. */
export const MAX_LOCK_DAYS = 366;

/** Slack escapes &, < and > in the text it sends (docs.slack.dev, "Formatting text"). */
const unescapeSlack = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const NAME = /^[^\s<>&*|]{1,200}$/;

function targetOf(
  serviceWord: string | undefined,
  environmentWord: string | undefined,
): TypedTarget | string {
  if (serviceWord === undefined || environmentWord === undefined)
    return 'name a service (or *) and an environment (or *)';
  let service: string | null = null;
  let namespace = '';
  if (serviceWord !== '*') {
    const slash = serviceWord.indexOf('/');
    service = slash < 0 ? serviceWord : serviceWord.slice(slash + 1);
    namespace = slash < 0 ? '' : serviceWord.slice(0, slash);
    if (!NAME.test(service) || (slash >= 0 && !NAME.test(namespace)))
      return `${JSON.stringify(serviceWord)} is not a service name (or <namespace>/<service>, or *)`;
  }
  if (environmentWord !== '*' && !NAME.test(environmentWord))
    return `${JSON.stringify(environmentWord)} is not an environment name (or *)`;
  return { service, namespace, environment: environmentWord === '*' ? null : environmentWord };
}

/** Seconds of `30m`, `2h`, `1h30m`, `1d`; null when the word is no such duration. */
export function lockDuration(word: string): number | null {
  const m = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?$/i.exec(word);
  if (!m || (m[1] ?? m[2] ?? m[3]) === undefined) return null;
  const seconds = Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3_600 + Number(m[3] ?? 0) * 60;
  return seconds > 0 && seconds <= MAX_LOCK_DAYS * 86_400 ? seconds : null;
}

/** What the text of `/shipwatch <text>` asks. */
export function lockCommand(text: string): LockCommand {
  const words = unescapeSlack(text).trim().split(/\s+/).filter(Boolean);
  const [verb = 'help', ...rest] = words;
  const usage = (problem: string): LockCommand => ({ kind: 'usage', problem });
  switch (verb.toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'locks':
    case 'list':
      return rest.length === 0 ? { kind: 'list' } : usage(`\`${verb}\` takes no arguments`);
    case 'lock': {
      const target = targetOf(rest[0], rest[1]);
      if (typeof target === 'string') return usage(target);
      let tail = rest.slice(2);
      let seconds: number | null = null;
      if (tail[0]?.toLowerCase() === 'for') {
        seconds = tail[1] === undefined ? null : lockDuration(tail[1]);
        if (seconds === null)
          return usage(
            `\`for\` takes a duration such as 30m, 2h, 1h30m or 1d (at most ${MAX_LOCK_DAYS}d)`,
          );
        tail = tail.slice(2);
      }
      if (tail.length === 0) return usage('give a reason: the gate shows it');
      return { kind: 'lock', target, seconds, reason: tail.join(' ') };
    }
    case 'unlock': {
      if (rest.length === 1 && /^[1-9][0-9]{0,17}$/.test(rest[0]))
        return { kind: 'unlock-id', id: rest[0] };
      if (rest.length !== 2)
        return usage('unlock takes a lock id, or a service and an environment');
      const target = targetOf(rest[0], rest[1]);
      return typeof target === 'string' ? usage(target) : { kind: 'unlock-target', target };
    }
    default:
      return usage(`\`${verb}\` is not a subcommand`);
  }
}

/** The scope a typed target locks, as lockTarget (deploy-lock.rule.ts) decides it. */
const scopeOf = (t: TypedTarget): LockScope =>
  t.service !== null ? 'SERVICE' : t.environment !== null ? 'ENVIRONMENT' : 'EVERYTHING';

/** The locks in force whose target is exactly the typed one (what `unlock <service> <env>` releases). */
export function locksOn(locks: readonly DeployLock[], t: TypedTarget): DeployLock[] {
  return locks.filter(
    (l) =>
      l.active &&
      l.scope === scopeOf(t) &&
      l.service === t.service &&
      l.namespace === (t.service === null ? '' : t.namespace) &&
      l.environment === t.environment,
  );
}

// ---------------------------------------------------------------------------------------------
// Answers: ephemeral messages (only the person who typed the command sees them)

export interface SlackCommandAnswer {
  readonly response_type: 'ephemeral';
  readonly text: string;
}

const answer = (text: string): SlackCommandAnswer => ({ response_type: 'ephemeral', text });

/** The grammar, escaped whole (its `<service|*>` would be a link in Slack's mrkdwn). */
export function usageText(c: string): string {
  return escapeSlack(
    [
      `*${c} lock <service|*> <environment|*> [for <duration>] <reason>* — stop deployments: the gate answers DENY (LOCKED)`,
      `*${c} unlock <lock id>* or *${c} unlock <service|*> <environment|*>* — release`,
      `*${c} locks* — the locks and freeze windows in force`,
      `*${c} help* — this text`,
      `\`*\` means every service or environment; a namespaced service is \`<namespace>/<service>\`; durations: \`30m\`, \`2h\`, \`1h30m\`, \`1d\`.`,
      `Example: \`${c} lock checkout production for 2h INC-231 payments degraded\``,
    ].join('\n'),
  );
}

export const helpAnswer = (command: string): SlackCommandAnswer => answer(usageText(command));

export const usageAnswer = (command: string, problem: string): SlackCommandAnswer =>
  answer(`${escapeSlack(problem)}.\n${usageText(command)}`);

export const refusedAnswer = (message: string): SlackCommandAnswer =>
  answer(`Refused: ${escapeSlack(message)}`);

/** How many locks, and freeze windows, the list shows (Slack cuts a message at 40,000 characters). */
export const MAX_LISTED = 25;
const MAX_LISTED_REASON = 300;

const cut = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** `#7 checkout in production (locked by Steve until …): INC-231`, escaped. */
function lockLine(l: DeployLock, maxReason = Infinity): string {
  const what = l.namespace && l.service ? `${l.namespace}/${covered(l)}` : covered(l);
  const until = l.until ? ` until ${l.until.toISOString()}` : '';
  return `#${l.id} ${escapeSlack(what)} (locked by ${escapeSlack(l.lockedByName)}${until}): ${escapeSlack(cut(l.reason, maxReason))}`;
}

const more = (n: number): string =>
  n > MAX_LISTED
    ? `\n…and ${n - MAX_LISTED} more (GraphQL \`deployLocks\`, \`freezeWindows\`)`
    : '';

export const lockedAnswer = (l: DeployLock): SlackCommandAnswer =>
  answer(
    `:lock: Locked ${lockLine(l)}\nThe gate answers DENY (LOCKED) until it is released (\`unlock ${l.id}\`)${l.until ? ' or its time is up' : ''}.`,
  );

/** Locks released at `now`; one released before (unlocking is idempotent) is said to be. */
export const unlockedAnswer = (released: readonly DeployLock[], now: Date): SlackCommandAnswer =>
  answer(
    released
      .map((l) =>
        l.releasedAt && l.releasedAt.getTime() !== now.getTime()
          ? `Already released (${l.releasedAt.toISOString()}, by ${escapeSlack(l.releasedBy ?? '?')}): ${lockLine(l)}`
          : `:unlock: Released ${lockLine(l)}`,
      )
      .join('\n'),
  );

export const nothingToUnlockAnswer = (t: TypedTarget, command: string): SlackCommandAnswer =>
  answer(
    `No lock in force on exactly ${escapeSlack(
      covered({ scope: scopeOf(t), service: t.service, environment: t.environment }),
    )}. \`${escapeSlack(command)} locks\` lists them with their ids.`,
  );

/** A freeze window as the list shows it. */
export interface ListedFreeze {
  readonly id: string;
  readonly name: string;
  readonly scope: LockScope;
  readonly service: string | null;
  readonly environment: string | null;
  readonly cron: string;
  readonly timeZone: string;
  readonly durationMinutes: number;
  /** The occurrence in force now, if any. */
  readonly current: { readonly end: Date } | null;
}

export function listAnswer(
  locks: readonly DeployLock[],
  freezes: readonly ListedFreeze[],
): SlackCommandAnswer {
  const lines = [
    locks.length === 0
      ? 'No deploy lock in force.'
      : `*Deploy locks in force (${locks.length})*\n${locks
          .slice(0, MAX_LISTED)
          .map((l) => `• ${lockLine(l, MAX_LISTED_REASON)}`)
          .join('\n')}${more(locks.length)}`,
  ];
  if (freezes.length > 0) {
    const freeze = (w: ListedFreeze): string =>
      `• #${w.id} "${escapeSlack(w.name)}": ${escapeSlack(covered(w))}, ` +
      (w.current
        ? `*frozen now* until ${w.current.end.toISOString()}`
        : `\`${escapeSlack(w.cron)}\` (${escapeSlack(w.timeZone)}) for ${w.durationMinutes} min`);
    const listed = freezes.slice(0, MAX_LISTED).map(freeze).join('\n');
    lines.push(`*Freeze windows (${freezes.length})*\n${listed}${more(freezes.length)}`);
  }
  return answer(lines.join('\n'));
}
