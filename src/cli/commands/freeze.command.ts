/**
 * `shipwatch freeze create|list|delete`: recurring freeze windows (createFreezeWindow /
 * freezeWindows / deleteFreezeWindow). At every fire of a window's cron, for its duration,
 * `shipwatch gate` answers DENY (FREEZE) for what it covers. Creating and deleting need a token
 * with the `triage` (or `admin`) scope.
 */
import { parseDuration, parseTime, type OptionSpecs } from '../args.js';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import {
  CREATE_FREEZE_WINDOW,
  DELETE_FREEZE_WINDOW,
  FREEZE_WINDOWS,
  type FreezeWindowView,
} from '../operations.js';
import { renderTable } from '../output.js';
import { what } from './lock.command.js';

const FREEZE_OPTIONS = {
  name: {
    type: 'string',
    short: 'n',
    placeholder: '<text>',
    description: 'What the gate calls the window (required)',
  },
  cron: {
    type: 'string',
    placeholder: '<expr>',
    description: 'When each freeze starts: five cron fields, e.g. "0 18 * * 5" (required)',
  },
  duration: {
    type: 'string',
    short: 'd',
    placeholder: '<duration>',
    description: 'How long each freeze lasts, whole minutes (62h, 90m; required)',
  },
  tz: {
    type: 'string',
    placeholder: '<zone>',
    description: 'The IANA time zone the cron is read in (required), e.g. Europe/Berlin',
  },
  service: {
    type: 'string',
    short: 's',
    placeholder: '<name>',
    description: 'Freeze this service (default: every service)',
  },
  namespace: { type: 'string', placeholder: '<ns>', description: 'The service’s namespace' },
  environment: {
    type: 'string',
    short: 'e',
    placeholder: '<name>',
    description: 'Only in this environment (default: every environment)',
  },
  reason: {
    type: 'string',
    short: 'r',
    placeholder: '<text>',
    description: 'Why (required; the gate shows it)',
  },
  from: {
    type: 'string',
    placeholder: '<time>',
    description: 'Freezes from this time on (RFC 3339; default now)',
  },
  until: {
    type: 'string',
    placeholder: '<time>',
    description: 'Freezes nothing from this time on (RFC 3339; default until deleted)',
  },
} as const satisfies OptionSpecs;

const when = (w: FreezeWindowView): string =>
  `${w.cron} (${w.timeZone}) for ${w.durationMinutes} min`;

export const freezeCreate = defineCommand({
  path: ['freeze', 'create'],
  summary: 'Create a recurring freeze window (the gate denies during it)',
  description: [
    'Creates a freeze window: at every fire of --cron, read in --tz, for --duration,',
    '`shipwatch gate` answers DENY (FREEZE) for what it covers. --service (optionally with',
    '--environment) freezes a service; --environment alone an environment; neither everything.',
    'Windows may overlap. Needs a token with the triage or admin scope.',
  ].join('\n'),
  options: FREEZE_OPTIONS,
  examples: [
    'shipwatch freeze create -n "Weekend" --cron "0 18 * * 5" -d 62h --tz Europe/Berlin -e production -r "nobody on call"',
    'shipwatch freeze create -n "Year end" --cron "0 0 20 12 *" -d 288h --tz UTC -r "year-end close"',
  ],
  async run(inv): Promise<ExitCode> {
    const v = inv.values;
    for (const [flag, value] of [
      ['--name', v.name],
      ['--cron', v.cron],
      ['--duration', v.duration],
      ['--tz', v.tz],
      ['--reason', v.reason],
    ] as const)
      if (!value?.trim()) throw new UsageError(`${flag} is required`, inv.command);
    const seconds = parseDuration('--duration', v.duration!);
    if (seconds % 60 !== 0)
      throw new UsageError('--duration is in whole minutes (90m, 2h)', inv.command);
    const now = new Date();
    const { createFreezeWindow: w } = await inv
      .client()
      .request<{ createFreezeWindow: FreezeWindowView }>(
        CREATE_FREEZE_WINDOW,
        {
          input: {
            name: v.name,
            cron: v.cron,
            durationMinutes: seconds / 60,
            timeZone: v.tz,
            service: v.service ?? null,
            namespace: v.namespace ?? null,
            environment: v.environment ?? null,
            reason: v.reason,
            activeFrom: v.from ? parseTime('--from', v.from, now).toISOString() : null,
            activeUntil: v.until ? parseTime('--until', v.until, now).toISOString() : null,
          },
        },
        { idempotent: false },
      );
    inv.result(
      `freeze window ${w.id} "${w.name}": ${what(w)} frozen at ${when(w)}${w.current ? `, now until ${w.current.end}` : ''} (${w.reason}); delete it with: shipwatch freeze delete ${w.id}`,
      w,
    );
    return ExitCode.OK;
  },
});

export const freezeDelete = defineCommand({
  path: ['freeze', 'delete'],
  summary: 'Delete a freeze window (it freezes nothing from then on)',
  positionals: [{ name: 'id', description: 'Window id (see `shipwatch freeze list`)' }],
  options: {},
  async run(inv): Promise<ExitCode> {
    const { deleteFreezeWindow: w } = await inv
      .client()
      .request<{ deleteFreezeWindow: FreezeWindowView }>(DELETE_FREEZE_WINDOW, {
        id: inv.positionals[0],
      });
    inv.result(`freeze window ${w.id} "${w.name}" deleted at ${w.deletedAt ?? '?'}`, w);
    return ExitCode.OK;
  },
});

export const freezeList = defineCommand({
  path: ['freeze', 'list'],
  summary: 'List the freeze windows (--all: deleted ones too)',
  options: { all: { type: 'boolean', description: 'Deleted windows too' } },
  async run(inv): Promise<ExitCode> {
    const { freezeWindows } = await inv
      .client()
      .request<{ freezeWindows: FreezeWindowView[] }>(FREEZE_WINDOWS, {
        deleted: !!inv.values.all,
      });
    inv.result(
      renderTable(freezeWindows, [
        { header: 'ID', value: (w) => w.id, align: 'right' },
        { header: 'NAME', value: (w) => w.name },
        { header: 'FREEZES', value: what },
        { header: 'WHEN', value: when },
        { header: 'REASON', value: (w) => w.reason },
        { header: 'BY', value: (w) => w.createdByName },
        { header: 'NOW UNTIL', value: (w) => w.current?.end ?? null },
        { header: 'DELETED', value: (w) => w.deletedAt },
      ]),
      freezeWindows,
    );
    return ExitCode.OK;
  },
});
