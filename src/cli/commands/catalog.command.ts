/** `shipwatch catalog apply <file>`: services, teams and environments from a Backstage catalog. */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import { APPLY_CATALOG, type CatalogPlanView } from '../operations.js';
import { renderTable } from '../output.js';
import { compact, optionalTime } from './event-options.js';

/** The server refuses larger files; reading stops here so that a wrong path fails fast. */
const MAX_FILE_BYTES = 3_000_000;

function readText(cwd: string, file: string, command: string): string {
  let text: Buffer;
  try {
    text = readFileSync(resolve(cwd, file));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`, command);
  }
  if (text.length > MAX_FILE_BYTES)
    throw new UsageError(`${file} is over ${MAX_FILE_BYTES} bytes`, command);
  return text.toString('utf8');
}

export const catalogApply = defineCommand({
  path: ['catalog', 'apply'],
  summary: 'Apply a Backstage catalog-info.yaml (and CODEOWNERS): services, owners, paths, tiers',
  description:
    'Needs an ADMIN token. Reads Component (spec.owner, spec.lifecycle, github.com/project-slug, gitlab.com/project-slug or backstage.io/source-location, shipwatch.dev/paths), Group and Environment entities; a file named CODEOWNERS (or --codeowners) gives the team of each service whose Component names no owner. Everything is applied in one transaction: a bad entity stores nothing. A change of owner applies from --effective-at (default now), never to the past.',
  positionals: [
    { name: 'file', description: 'catalog-info.yaml (multi-document), or a CODEOWNERS file' },
  ],
  options: {
    codeowners: {
      type: 'string',
      placeholder: '<file>',
      description: 'A CODEOWNERS file to apply with the catalog',
    },
    'effective-at': {
      type: 'string',
      placeholder: '<time>',
      description: 'When changes of owner take effect (default now)',
    },
    'dry-run': { type: 'boolean', description: 'Show the plan; store nothing' },
  },
  examples: [
    'shipwatch catalog apply catalog-info.yaml --dry-run',
    'shipwatch catalog apply catalog-info.yaml --codeowners .github/CODEOWNERS',
    'shipwatch catalog apply catalog-info.yaml --effective-at 2026-01-01T00:00:00Z',
  ],
  async run(inv) {
    const v = inv.values;
    const file = inv.positionals[0];
    const text = readText(inv.ctx.cwd, file, inv.command);
    const isCodeowners = basename(file) === 'CODEOWNERS';
    const codeowners =
      v.codeowners !== undefined ? readText(inv.ctx.cwd, v.codeowners, inv.command) : undefined;
    if (isCodeowners && codeowners !== undefined)
      throw new UsageError('give one CODEOWNERS file', inv.command);
    const data = await inv.client().request<{ applyCatalog: CatalogPlanView }>(
      APPLY_CATALOG,
      {
        input: compact({
          catalogInfo: isCodeowners ? undefined : text,
          codeowners: isCodeowners ? text : codeowners,
          effectiveAt: optionalTime(inv, 'effective-at', v['effective-at']),
          dryRun: v['dry-run'] === true ? true : undefined,
        }),
      },
      { idempotent: v['dry-run'] === true },
    );
    const plan = data.applyCatalog;
    const lines = [
      plan.changes.length === 0
        ? 'no change: Shipwatch already matches the catalog\n'
        : renderTable(plan.changes, [
            { header: 'KIND', value: (c) => c.kind },
            { header: 'NAME', value: (c) => c.name },
            { header: 'FIELD', value: (c) => c.field },
            { header: 'BEFORE', value: (c) => c.before },
            { header: 'AFTER', value: (c) => c.after },
          ]),
      ...plan.warnings.map((w) => `warning ${w.code}: ${w.message}\n`),
      plan.ignored.length > 0 ? `ignored: ${plan.ignored.join(', ')}\n` : '',
      plan.dryRun
        ? 'dry run: nothing was stored\n'
        : `applied: ${plan.changes.length} change(s), owners from ${plan.effectiveAt}\n`,
    ];
    inv.result(lines.join(''), plan);
    return ExitCode.OK;
  },
});
