/**
 * Expands exactly the Grafana macros and variable syntaxes that the Shipwatch dashboards use, the
 * way Grafana does, so that the tests run each panel's query as Grafana would send it. Anything
 * else left in a query (an unknown `$__macro` or `${variable}`) is an error, so a new macro in a
 * builder fails the test until it is expanded here too.
 *
 * Variables: each is given its selected values, or 'All' (Grafana then uses the variable's
 * allValue unformatted, as it does for a custom "All" value).
 */

export type VariableValue = readonly string[] | 'All';

export interface MacroContext {
  readonly from: Date;
  readonly to: Date;
  readonly variables: Readonly<Record<string, VariableValue>>;
  /** allValue of each variable that has an "All" option. */
  readonly allValues: Readonly<Record<string, string>>;
}

/** Grafana's SQL time format: RFC 3339 in UTC, whole seconds. */
function sqlTime(d: Date): string {
  return `'${d.toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;
}

function quoteSql(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Grafana's escaping of a regex metacharacter inside a PromQL string literal: `\\.`. */
function escapeRegex(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, '\\\\$&');
}

type Formatter = (values: readonly string[]) => string;

/**
 * SQL takes variables only as ${name:sqlstring} (each value quoted and escaped), whatever the
 * variable's kind: Grafana's default SQL formatting depends on whether the variable is multi-valued,
 * and an unquoted text box value would be SQL injection.
 */
const SQL_FORMATS: Record<string, Formatter> = {
  sqlstring: (vs) => vs.map(quoteSql).join(','),
};

const PROM_FORMATS: Record<string, Formatter> = {
  // Prometheus: regex-escaped, alternatives in a group when several.
  default: (vs) => (vs.length === 1 ? escapeRegex(vs[0]) : `(${vs.map(escapeRegex).join('|')})`),
  raw: (vs) => vs.join(','),
};

function replaceVariables(
  query: string,
  ctx: MacroContext,
  formats: Record<string, Formatter>,
): string {
  return query.replace(
    /\$\{([A-Za-z_]\w*)(?::([a-z]+))?\}|\$([A-Za-z_]\w*)/g,
    (whole, braced: string | undefined, fmt: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare)!;
      if (name.startsWith('__')) return whole; // a macro, expanded elsewhere
      const value = ctx.variables[name];
      if (value === undefined) throw new Error(`no value for variable ${name} in: ${query}`);
      if (value === 'All') {
        const all = ctx.allValues[name];
        if (all === undefined) throw new Error(`variable ${name} has no "All" value`);
        return all;
      }
      const format = formats[fmt ?? 'default'];
      if (!format) throw new Error(`unsupported format ${fmt} for ${name}`);
      return format(value);
    },
  );
}

function assertExpanded(original: string, expanded: string): string {
  const left = /\$__\w+|\$\{[^}]*\}|\$[A-Za-z_]\w*/.exec(expanded);
  if (left) throw new Error(`unexpanded ${left[0]} in: ${original}`);
  return expanded;
}

/** A SQL query of the PostgreSQL datasource, ready to run. */
export function expandSql(query: string, ctx: MacroContext): string {
  let sql = query
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, col: string) => `${col.trim()} BETWEEN ${sqlTime(ctx.from)} AND ${sqlTime(ctx.to)}`,
    )
    .replace(/\$__timeFrom\(\)/g, sqlTime(ctx.from))
    .replace(/\$__timeTo\(\)/g, sqlTime(ctx.to));
  sql = replaceVariables(sql, ctx, SQL_FORMATS);
  return assertExpanded(query, sql);
}

export interface PromIntervals {
  /** $__rate_interval and $__interval. */
  readonly rateInterval: string;
}

/** A PromQL query, ready for /api/v1/query at ctx.to. */
export function expandPromQL(query: string, ctx: MacroContext, intervals: PromIntervals): string {
  const rangeSeconds = Math.max(1, Math.round((ctx.to.getTime() - ctx.from.getTime()) / 1000));
  let promql = query
    .replace(/\$__rate_interval\b/g, intervals.rateInterval)
    .replace(/\$__interval\b/g, intervals.rateInterval)
    .replace(/\$__range\b/g, `${rangeSeconds}s`);
  promql = replaceVariables(promql, ctx, PROM_FORMATS);
  return assertExpanded(query, promql);
}
