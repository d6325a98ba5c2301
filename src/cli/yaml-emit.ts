/**
 * Plain data (maps, lists, strings, numbers, booleans, null) as block YAML, for
 * `shipwatch policy export`. The CLI has no dependencies, so no YAML library: strings are written
 * JSON-quoted, which YAML 1.2 reads as double-quoted scalars with the same escapes.
 */

const isCollection = (v: unknown): v is object => v !== null && typeof v === 'object';
const isEmpty = (v: object): boolean =>
  Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;

function inline(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (isCollection(v)) return '{}';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return 'null';
}

const key = (k: string): string => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k));

function block(v: object, pad: string): string[] {
  if (Array.isArray(v)) {
    return v.flatMap((item: unknown) => {
      if (!isCollection(item) || isEmpty(item)) return [`${pad}- ${inline(item)}`];
      const inner = block(item, `${pad}  `);
      return [`${pad}- ${inner[0].slice(pad.length + 2)}`, ...inner.slice(1)];
    });
  }
  return Object.entries(v).flatMap(([k, x]: [string, unknown]) =>
    isCollection(x) && !isEmpty(x)
      ? [`${pad}${key(k)}:`, ...block(x, `${pad}  `)]
      : [`${pad}${key(k)}: ${inline(x)}`],
  );
}

/** A YAML document of a map, `undefined` values left out. */
export function toYaml(value: Record<string, unknown>): string {
  const defined = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  return `${block(defined, '').join('\n')}\n`;
}
