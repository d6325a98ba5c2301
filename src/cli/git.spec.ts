import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Git, LOG_FORMAT, parseGitLog, repositoryFromRemote } from './git.js';

describe('parseGitLog', () => {
  it('reads records oldest first, keeping separators-free subjects intact', () => {
    const out =
      `bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\x1f2026-01-02T10:00:00+01:00\x1f2026-01-02T11:00:00+01:00\x1ffix: handle "quotes" | pipes\x1e\n` +
      `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\x1f2026-01-01T10:00:00Z\x1f2026-01-01T10:05:00Z\x1f\x1e\n`;
    expect(parseGitLog(out)).toEqual([
      {
        sha: 'a'.repeat(40),
        authoredAt: '2026-01-01T10:00:00Z',
        committedAt: '2026-01-01T10:05:00Z',
        message: '',
      },
      {
        sha: 'b'.repeat(40),
        authoredAt: '2026-01-02T10:00:00+01:00',
        committedAt: '2026-01-02T11:00:00+01:00',
        message: 'fix: handle "quotes" | pipes',
      },
    ]);
    expect(parseGitLog('')).toEqual([]);
  });

  it('refuses output of another format', () => {
    expect(() => parseGitLog('commit abc\nAuthor: x\n')).toThrow('unexpected git log output');
  });
});

describe('repositoryFromRemote', () => {
  it.each([
    ['https://github.com/acme/shop.git', 'acme/shop'],
    ['git@github.com:acme/shop.git', 'acme/shop'],
    ['ssh://git@gitlab.example.com:2222/group/sub/app.git', 'group/sub/app'],
    ['https://gitlab-ci-token:xyz@gitlab.com/group/app', 'group/app'],
  ])('%s -> %s', (url, repo) => {
    expect(repositoryFromRemote(url)).toBe(repo);
  });
});

describe('Git on a real repository', () => {
  let dir: string;
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    }).toString();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-git-'));
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', 'git@github.com:acme/shop.git');
    for (const n of [1, 2, 3]) {
      writeFileSync(join(dir, 'f.txt'), String(n));
      git('add', 'f.txt');
      git('commit', '-q', '-m', `change ${n}`, '--date', `2026-01-0${n}T10:00:00Z`);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the commits between two revisions, and knows HEAD and the remote', async () => {
    const g = new Git(dir);
    expect(await g.isCheckout()).toBe(true);
    const head = await g.headSha();
    const all = await g.log(head!, undefined, 100);
    expect(all.map((c) => c.message)).toEqual(['change 1', 'change 2', 'change 3']);
    expect(all[0].authoredAt).toBe('2026-01-01T10:00:00+00:00');
    const since = await g.log(head!, all[0].sha, 100);
    expect(since.map((c) => c.message)).toEqual(['change 2', 'change 3']);
    expect(await g.hasCommit(all[0].sha)).toBe(true);
    expect(await g.hasCommit('0123456789abcdef0123456789abcdef01234567')).toBe(false);
    expect(await g.remoteRepository()).toBe('acme/shop');
    expect(LOG_FORMAT).toContain('%H');
  });

  it('is not a checkout outside a repository', async () => {
    expect(await new Git(tmpdir()).isCheckout()).toBe(false);
  });
});
