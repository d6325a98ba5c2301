import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Every alert Shipwatch ships about its own health links `docs/operations.md#<alert, lower case>`:
 * that section must exist (a `### <AlertName>` heading), and every runbook section must belong
 * to an alert that still exists.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'rules');

describe('docs/operations.md runbooks', () => {
  const alerts = readdirSync(RULES)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap(
      (f) =>
        (
          parse(readFileSync(join(RULES, f), 'utf8')) as {
            groups: { rules: { alert?: string }[] }[];
          }
        ).groups,
    )
    .flatMap((g) => g.rules)
    .flatMap((r) => (r.alert ? [r.alert] : []));
  const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const runbooks = doc
    .slice(doc.indexOf('## Alerts and runbooks'))
    .split('\n')
    .flatMap((line) => /^### (\S+)$/.exec(line)?.[1] ?? []);

  it('has one section per alert rule, and none for alerts that do not exist', () => {
    expect(alerts.length).toBeGreaterThan(0);
    expect([...runbooks].sort()).toEqual([...new Set(alerts)].sort());
  });
});
