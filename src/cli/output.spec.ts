import { formatCount, formatDuration, formatPercent, renderTable } from './output.js';
import { ProgressBar, renderBar } from './progress.js';

describe('renderTable', () => {
  it('aligns columns, right-aligns numeric columns and prints missing cells as -', () => {
    const rows = [
      { service: 'checkout', deploys: 120, level: 'ELITE' },
      { service: 'api', deploys: 7, level: null },
    ];
    expect(
      renderTable(rows, [
        { header: 'SERVICE', value: (r) => r.service },
        { header: 'DEPLOYS', value: (r) => r.deploys },
        { header: 'LEVEL', value: (r) => r.level },
      ]),
    ).toBe(
      ['SERVICE   DEPLOYS  LEVEL', 'checkout      120  ELITE', 'api             7  -', ''].join(
        '\n',
      ),
    );
  });

  it('prints only the header for no rows', () => {
    expect(renderTable([], [{ header: 'A', value: () => 1 }])).toBe('A\n');
  });
});

describe('formatting', () => {
  it.each([
    [0, '0s'],
    [42.4, '42s'],
    [90, '1.5m'],
    [3600 * 5, '5h'],
    [86400 * 3.25, '3.3d'],
    [null, '-'],
  ])('formatDuration(%p) = %p', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('formats counts and percentages', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(undefined)).toBe('-');
  });
});

describe('progress', () => {
  it('renders a bar with percentage and an ETA once a second has passed', () => {
    expect(renderBar({ done: 50, total: 200, detail: 'x' }, 500, 8)).toBe('[##......]  25%  x');
    expect(renderBar({ done: 50, total: 200, detail: 'x' }, 10_000, 8)).toBe(
      '[##......]  25%  x  eta 30s',
    );
    expect(renderBar({ done: 200, total: 200, detail: 'x' }, 10_000, 8)).toBe('[########] 100%  x');
  });

  it('rewrites one line on a terminal, and writes throttled plain lines otherwise', () => {
    let now = 0;
    const tty: string[] = [];
    const bar = new ProgressBar({ write: (s: string) => tty.push(s) }, true, () => now);
    bar.update({ done: 1, total: 2, detail: 'a' });
    bar.update({ done: 2, total: 2, detail: 'b' });
    bar.finish();
    expect(tty.every((s, i) => i === tty.length - 1 || s.startsWith('\r'))).toBe(true);
    expect(tty.at(-1)).toBe('\n');

    const plain: string[] = [];
    const log = new ProgressBar({ write: (s: string) => plain.push(s) }, false, () => now, 5000);
    now = 10_000;
    log.update({ done: 1, total: 4, detail: 'first' });
    now = 11_000;
    log.update({ done: 2, total: 4, detail: 'skipped' });
    now = 16_000;
    log.update({ done: 3, total: 4, detail: 'third' });
    now = 17_000;
    log.update({ done: 4, total: 4, detail: 'last' });
    log.finish();
    expect(plain.map((s) => /\d% {2}(\w+)/.exec(s)?.[1])).toEqual(['first', 'third', 'last']);
    expect(plain.every((s) => !s.includes('\r'))).toBe(true);
  });
});
