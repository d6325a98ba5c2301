import { aChangeFact, anExplanation } from '../../test/factories/remediation-actions.js';
import {
  MAX_EXPLAINED_CHANGES,
  MAX_TITLE_LENGTH,
  changeLine,
  changesetSummary,
  oneLine,
  safeLink,
} from './release-explanation.rule.js';

const sha = (i: number): string => i.toString(16).padStart(40, '0');

describe('explainRelease', () => {
  it('lists a change with its pull request, author and lead time, the reason and the link', () => {
    expect(anExplanation()).toEqual({
      reason: 'errors 8.0% vs baseline 0.1% (p < 1e-9, burn 80x)',
      evidenceUrl: 'http://shipwatch.test/graphql?query=evidence-42',
      changeset: {
        status: 'FROM_PUSHES',
        note: null,
        total: 1,
        changes: [
          {
            sha: 'a1b2c3d4e5f6',
            pullRequest: '42',
            title: 'Fix checkout totals',
            url: 'https://github.com/acme/shop/pull/42',
            author: 'alice',
            leadTimeSeconds: 12_600,
            leadTime: '3.5h',
          },
        ],
        more: 0,
      },
    });
  });

  it('falls back to the commit: its first message line and its author', () => {
    const [c] = anExplanation([
      aChangeFact({
        pullRequestId: null,
        pullRequestTitle: null,
        pullRequestUrl: null,
        pullRequestAuthor: null,
        message: 'Bump the cache size\n\nLonger body',
        author: 'Jordi Mallach',
      }),
    ]).changeset.changes;
    expect(c).toMatchObject({
      pullRequest: null,
      title: 'Bump the cache size',
      url: null,
      author: 'Jordi Mallach',
    });
  });

  it('says "unknown author" for rows without one, and why a change has no lead time', () => {
    const e = anExplanation([
      aChangeFact({
        pullRequestAuthor: null,
        author: null,
        leadTimeSeconds: null,
        excludedReason: 'ALREADY_DEPLOYED',
      }),
    ]);
    expect(e.changeset.changes[0]).toMatchObject({
      author: null,
      leadTimeSeconds: null,
      leadTime: 'none (ALREADY_DEPLOYED)',
    });
    expect(changeLine(e.changeset.changes[0])).toBe(
      '#42 Fix checkout totals by unknown author (a1b2c3d4e5f6), lead time none (ALREADY_DEPLOYED)',
    );
  });

  it('keeps the 20 most recent of 1,000 changes, newest first, and counts the others', () => {
    const changes = Array.from({ length: 1_000 }, (_, i) =>
      aChangeFact({
        sha: sha(i + 1),
        pullRequestId: String(i + 1),
        startedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      }),
    );
    const e = anExplanation(changes);
    expect(e.changeset.total).toBe(1_000);
    expect(e.changeset.changes).toHaveLength(MAX_EXPLAINED_CHANGES);
    expect(e.changeset.more).toBe(980);
    expect(e.changeset.changes.map((c) => c.pullRequest)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(1_000 - i)),
    );
    expect(changesetSummary(e)).toBe('1000 changes (the 20 most recent listed)');
    expect(JSON.stringify(e).length).toBeLessThan(20_000);
  });

  it('puts changes without a start after the others, by SHA', () => {
    const e = anExplanation([
      aChangeFact({ sha: sha(2), startedAt: null }),
      aChangeFact({ sha: sha(1), startedAt: null }),
      aChangeFact({ sha: sha(3) }),
    ]);
    expect(e.changeset.changes.map((c) => c.sha)).toEqual([
      sha(3).slice(0, 12),
      sha(1).slice(0, 12),
      sha(2).slice(0, 12),
    ]);
  });

  it('bounds a 5,000-character title and the reason to one line', () => {
    const e = anExplanation([aChangeFact({ pullRequestTitle: `${'x'.repeat(4_999)}\n!` })], {
      reason: `line one\nline two\u0000\t${'r'.repeat(5_000)}`,
    });
    const title = e.changeset.changes[0].title!;
    expect(title).toHaveLength(MAX_TITLE_LENGTH);
    expect(title.endsWith('…')).toBe(true);
    expect(e.reason).toMatch(/^line one line two r+…$/);
    expect(e.reason).toHaveLength(1_000);
  });

  it('keeps markup as text: receivers escape it (Slack), the explanation only bounds it', () => {
    const [c] = anExplanation([
      aChangeFact({ pullRequestTitle: '<!channel> *urgent* <https://evil.test|click> & co' }),
    ]).changeset.changes;
    expect(c.title).toBe('<!channel> *urgent* <https://evil.test|click> & co');
  });

  it('drops a link that is not a plain http(s) URL', () => {
    expect(safeLink('https://github.com/acme/shop/pull/42')).toBe(
      'https://github.com/acme/shop/pull/42',
    );
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('https://x.test/a|<!channel>')).toBeNull();
    expect(safeLink('https://x.test/a b')).toBeNull();
    expect(safeLink(`https://x.test/${'a'.repeat(2_000)}`)).toBeNull();
  });

  it('explains an empty changeset, and one that is not computed', () => {
    const empty = anExplanation([], {
      changesetNote: 'no new changes since the previous deployment',
    });
    expect(empty.changeset).toEqual({
      status: 'FROM_PUSHES',
      note: 'no new changes since the previous deployment',
      total: 0,
      changes: [],
      more: 0,
    });
    expect(changesetSummary(empty)).toBe('no new changes since the previous deployment');
    expect(changesetSummary(anExplanation([], { changesetStatus: 'PENDING' }))).toBe(
      'no changeset: it is computed for production deployments',
    );
  });

  it('oneLine cuts at a character, not inside a surrogate pair', () => {
    expect(oneLine('ab😀cd', 4)).toBe('ab😀…');
  });
});
