import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployLock } from './deploy-lock.model.js';
import {
  listAnswer,
  lockCommand,
  lockDuration,
  lockedAnswer,
  locksOn,
  MAX_LISTED,
  nothingToUnlockAnswer,
  slashCommand,
  unlockedAnswer,
  usageAnswer,
} from './slack-lock-command.rule.js';

/** Slack's documented slash command request (test/fixtures/slack/README.md). */
const EXAMPLE = readFileSync(
  join(import.meta.dirname, '../../../test/fixtures/slack/docs-slash-command.txt'),
  'utf8',
);
const typed = (text: string): string => {
  const form = new URLSearchParams(EXAMPLE);
  form.set('command', '/shipwatch');
  form.set('text', text);
  return form.toString();
};

const lock = (over: Partial<DeployLock> = {}): DeployLock => ({
  id: '7',
  scope: 'SERVICE',
  service: 'checkout',
  namespace: '',
  environment: 'production',
  reason: 'INC-231',
  lockedBy: 'slack:U2147483697',
  lockedByName: 'Steve',
  lockedAt: new Date('2026-12-04T10:00:00Z'),
  until: null,
  releasedAt: null,
  releasedBy: null,
  active: true,
  ...over,
});

describe('slashCommand', () => {
  it('reads Slack’s documented example request', () => {
    expect(slashCommand(EXAMPLE)).toEqual({
      ok: true,
      command: {
        teamId: 'T0001',
        userId: 'U2147483697',
        userName: 'Steve',
        channelName: 'test',
        command: '/weather',
        text: '94070',
      },
    });
  });

  it('refuses a body that is not a slash command', () => {
    expect(slashCommand('payload=%7B%7D')).toMatchObject({ ok: false });
    const anonymous = new URLSearchParams(EXAMPLE);
    anonymous.delete('user_id');
    expect(slashCommand(anonymous.toString())).toMatchObject({
      ok: false,
      problem: 'the slash command has no user_id',
    });
  });

  it('carries the typed text as Slack sent it', () => {
    const read = slashCommand(typed('lock checkout production for 2h INC-231 &lt;b&gt;'));
    expect(read).toMatchObject({
      ok: true,
      command: { command: '/shipwatch', text: 'lock checkout production for 2h INC-231 &lt;b&gt;' },
    });
  });
});

describe('lockCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['  HELP ', { kind: 'help' }],
    ['locks', { kind: 'list' }],
    ['list', { kind: 'list' }],
    ['unlock 7', { kind: 'unlock-id', id: '7' }],
    [
      'unlock checkout production',
      {
        kind: 'unlock-target',
        target: { service: 'checkout', namespace: '', environment: 'production' },
      },
    ],
    [
      'unlock * *',
      { kind: 'unlock-target', target: { service: null, namespace: '', environment: null } },
    ],
  ])('reads %j', (text, expected) => {
    expect(lockCommand(text)).toEqual(expected);
  });

  it('reads a lock: target, optional duration, the rest is the reason (unescaped)', () => {
    expect(
      lockCommand('lock checkout production for 2h INC-231 &lt;payments&gt; &amp; cart'),
    ).toEqual({
      kind: 'lock',
      target: { service: 'checkout', namespace: '', environment: 'production' },
      seconds: 7200,
      reason: 'INC-231 <payments> & cart',
    });
    expect(lockCommand('Lock shop/cart * incident open')).toEqual({
      kind: 'lock',
      target: { service: 'cart', namespace: 'shop', environment: null },
      seconds: null,
      reason: 'incident open',
    });
    expect(lockCommand('lock * production FOR 1d  release freeze')).toMatchObject({
      target: { service: null, environment: 'production' },
      seconds: 86_400,
      reason: 'release freeze',
    });
    // "for" later in the reason is the reason's
    expect(lockCommand('lock * * waiting for 2h')).toMatchObject({
      seconds: null,
      reason: 'waiting for 2h',
    });
  });

  it.each([
    ['deploy checkout', /`deploy` is not a subcommand/],
    ['lock', /name a service \(or \*\) and an environment/],
    ['lock checkout', /name a service/],
    ['lock checkout production', /give a reason/],
    ['lock checkout production for 2h', /give a reason/],
    ['lock checkout production for soon INC-1', /`for` takes a duration/],
    ['lock checkout production for 0m INC-1', /`for` takes a duration/],
    ['lock checkout production for 400d INC-1', /at most 366d/],
    ['lock <@U123> production INC-1', /is not a service name/],
    ['lock checkout <#C1|prod> INC-1', /is not an environment name/],
    ['lock shop/ production INC-1', /is not a service name/],
    ['unlock', /unlock takes a lock id/],
    ['unlock 0', /unlock takes a lock id/],
    ['unlock 7 8 9', /unlock takes a lock id/],
    ['locks all', /`locks` takes no arguments/],
  ])('answers %j with the usage', (text, problem) => {
    const read = lockCommand(text);
    expect(read).toEqual({ kind: 'usage', problem: expect.stringMatching(problem) });
  });
});

describe('lockDuration', () => {
  it('reads days, hours and minutes', () => {
    expect(lockDuration('30m')).toBe(1800);
    expect(lockDuration('1h30m')).toBe(5400);
    expect(lockDuration('2D')).toBe(172_800);
    expect(lockDuration('366d')).toBe(366 * 86_400);
    expect(lockDuration('367d')).toBeNull();
    expect(lockDuration('90s')).toBeNull();
    expect(lockDuration('')).toBeNull();
  });
});

describe('locksOn', () => {
  it('finds the active locks on exactly the typed target', () => {
    const locks = [
      lock(),
      lock({ id: '8', environment: null }),
      lock({ id: '9', namespace: 'shop' }),
      lock({ id: '10', scope: 'ENVIRONMENT', service: null }),
      lock({ id: '11', active: false }),
    ];
    const ids = (t: Parameters<typeof locksOn>[1]) => locksOn(locks, t).map((l) => l.id);
    expect(ids({ service: 'checkout', namespace: '', environment: 'production' })).toEqual(['7']);
    expect(ids({ service: 'checkout', namespace: '', environment: null })).toEqual(['8']);
    expect(ids({ service: 'checkout', namespace: 'shop', environment: 'production' })).toEqual([
      '9',
    ]);
    expect(ids({ service: null, namespace: '', environment: 'production' })).toEqual(['10']);
    expect(ids({ service: null, namespace: '', environment: null })).toEqual([]);
  });
});

describe('answers', () => {
  it('are ephemeral, and escape what people typed', () => {
    const taken = lockedAnswer(lock({ reason: '<!channel> & go', lockedByName: 'a<b' }));
    expect(taken.response_type).toBe('ephemeral');
    expect(taken.text).toBe(
      ':lock: Locked #7 checkout in production (locked by a&lt;b): &lt;!channel&gt; &amp; go\n' +
        'The gate answers DENY (LOCKED) until it is released (`unlock 7`).',
    );
    const usage = usageAnswer('/ship<it>', 'a <problem>');
    expect(usage.text).toMatch(/^a &lt;problem&gt;\.\n\*\/ship&lt;it&gt; lock /);
    expect(usage.text).toContain(
      'lock &lt;service|*&gt; &lt;environment|*&gt; [for &lt;duration&gt;]',
    );
    expect(usage.text).not.toMatch(/[<>]/);
  });

  it('say which locks were released now and which were already', () => {
    const now = new Date('2026-12-04T12:00:00Z');
    const earlier = new Date('2026-12-04T11:00:00Z');
    expect(
      unlockedAnswer(
        [
          lock({ releasedAt: now, releasedBy: 'slack:U1', active: false }),
          lock({ id: '8', releasedAt: earlier, releasedBy: 'token:3', active: false }),
        ],
        now,
      ).text,
    ).toBe(
      ':unlock: Released #7 checkout in production (locked by Steve): INC-231\n' +
        'Already released (2026-12-04T11:00:00.000Z, by token:3): #8 checkout in production (locked by Steve): INC-231',
    );
    expect(
      nothingToUnlockAnswer({ service: null, namespace: '', environment: 'prod' }, '/shipwatch')
        .text,
    ).toBe(
      'No lock in force on exactly every deployment to prod. `/shipwatch locks` lists them with their ids.',
    );
  });

  it('list the locks and freeze windows in force, at most MAX_LISTED of each', () => {
    expect(listAnswer([], []).text).toBe('No deploy lock in force.');
    const many = Array.from({ length: MAX_LISTED + 2 }, (_, i) =>
      lock({ id: String(i + 1), reason: 'x'.repeat(2000) }),
    );
    const text = listAnswer(many, [
      {
        id: '3',
        name: 'Friday',
        scope: 'ENVIRONMENT',
        service: null,
        environment: 'production',
        cron: '0 16 * * 5',
        timeZone: 'Europe/Paris',
        durationMinutes: 960,
        current: null,
      },
      {
        id: '4',
        name: 'Black <Friday>',
        scope: 'EVERYTHING',
        service: null,
        environment: null,
        cron: '0 0 27 11 *',
        timeZone: 'UTC',
        durationMinutes: 1440,
        current: { end: new Date('2026-11-28T00:00:00Z') },
      },
    ]).text;
    expect(text.split('\n').filter((l) => l.startsWith('• #')).length).toBe(MAX_LISTED + 2);
    expect(text).toContain(`*Deploy locks in force (${MAX_LISTED + 2})*`);
    expect(text).toContain('…and 2 more');
    expect(text).toContain(`${'x'.repeat(299)}…`);
    expect(text).not.toContain('x'.repeat(301));
    expect(text).toContain(
      '• #3 "Friday": every deployment to production, `0 16 * * 5` (Europe/Paris) for 960 min',
    );
    expect(text).toContain(
      '• #4 "Black &lt;Friday&gt;": every deployment, *frozen now* until 2026-11-28T00:00:00.000Z',
    );
    expect(text.length).toBeLessThan(40_000);
  });
});
