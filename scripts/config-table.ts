/* Prints the README configuration table from src/config/config.schema.ts. */
import { describeConfig } from '../src/config/config.schema.js';

export function configTable(): string {
  const rows = describeConfig().map(
    (r) =>
      `| \`${r.name}\` | ${r.defaultValue === '(unset)' ? '' : `\`${r.defaultValue}\``} | ${r.description} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

if (process.argv[1]?.endsWith('config-table.js')) console.log(configTable());
