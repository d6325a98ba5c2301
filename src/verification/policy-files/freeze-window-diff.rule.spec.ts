import { diffFreezeWindows } from './freeze-window-diff.rule.js';

const window = {
  name: 'friday',
  scope: 'ENVIRONMENT' as const,
  service: null,
  namespace: '',
  environment: 'production',
  cron: '0 18 * * 5',
  timeZone: 'Europe/Berlin',
  durationMinutes: 60,
  reason: 'weekend',
};

describe('diffFreezeWindows', () => {
  it('matches windows by name: added, unchanged, changed field by field', () => {
    const changes = diffFreezeWindows(
      [
        { file: 'friday.yaml', target: window },
        { file: 'new.yaml', target: { ...window, name: 'new' } },
        { file: 'monday.yaml', target: { ...window, name: 'monday', cron: '0 8 * * 1' } },
      ],
      [window, { ...window, name: 'monday', durationMinutes: 30 }],
      false,
    );
    expect(changes.map((c) => [c.name, c.file, c.status, c.differences])).toEqual([
      ['friday', 'friday.yaml', 'UNCHANGED', []],
      ['new', 'new.yaml', 'ADDED', []],
      [
        'monday',
        'monday.yaml',
        'CHANGED',
        [
          { field: 'cron', before: '"0 18 * * 5"', after: '"0 8 * * 1"' },
          { field: 'durationMinutes', before: '30', after: '60' },
        ],
      ],
    ]);
  });

  it('lists stored windows no file names: kept, or deleted with prune', () => {
    const stored = [window, { ...window, name: 'old' }];
    const files = [{ file: 'friday.yaml', target: window }];
    expect(diffFreezeWindows(files, stored, false).map((c) => [c.name, c.status])).toEqual([
      ['friday', 'UNCHANGED'],
      ['old', 'NOT_IN_FILES'],
    ]);
    expect(diffFreezeWindows(files, stored, true).map((c) => [c.name, c.file, c.status])).toEqual([
      ['friday', 'friday.yaml', 'UNCHANGED'],
      ['old', null, 'DELETED'],
    ]);
  });

  it('sees a change of scope', () => {
    const [change] = diffFreezeWindows(
      [{ file: 'f.yaml', target: { ...window, scope: 'EVERYTHING', environment: null } }],
      [window],
      false,
    );
    expect(change.status).toBe('CHANGED');
    expect(change.differences.map((d) => d.field)).toEqual(['environment', 'scope']);
  });
});
