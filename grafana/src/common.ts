/**
 * Shared pieces of every Shipwatch dashboard: the provisioned datasources, query helpers (PromQL
 * and SQL), one builder per panel kind with the house defaults, and the template variables.
 * Dashboards (dora-overview.ts, release-health.ts, shipwatch.ts) compose these; one function per
 * panel. Builders are pure: the same code always yields the same JSON (tested by dashboards.spec.ts).
 */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import {
  BigValueColorMode,
  BigValueGraphMode,
  GraphDrawStyle,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  CustomVariableBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder as PrometheusQueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { SqlQueryBuilder, type SqlFormat } from './sql-query.js';

/** Datasource uids provisioned by grafana/provisioning/datasources/datasources.yml. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'shipwatch-prometheus' };
export const POSTGRES: DataSourceRef = {
  type: 'grafana-postgresql-datasource',
  uid: 'shipwatch-postgres',
};

/** Every generated dashboard carries this tag (and the uid prefix `shipwatch-`). */
export const GENERATED_TAGS = ['shipwatch', 'generated'];

// ---------------------------------------------------------------------------------------------
// Queries

/** A PromQL range query (one series per legend). */
export function promQuery(expr: string, legend = '__auto'): PrometheusQueryBuilder {
  return new PrometheusQueryBuilder()
    .datasource(PROMETHEUS)
    .expr(expr)
    .legendFormat(legend)
    .range();
}

/** A PromQL instant query: the value at the end of the dashboard range (stats, tables). */
export function promInstant(expr: string, legend = '__auto'): PrometheusQueryBuilder {
  return new PrometheusQueryBuilder()
    .datasource(PROMETHEUS)
    .expr(expr)
    .legendFormat(legend)
    .instant();
}

/** Raw SQL against Shipwatch's PostgreSQL (Grafana macros and ${variables} allowed). */
export function sqlQuery(rawSql: string, format: SqlFormat = 'table'): SqlQueryBuilder {
  return new SqlQueryBuilder(normaliseSql(rawSql)).datasource(POSTGRES).format(format);
}

/** Strips the indentation of template literals so the committed JSON stays readable. */
export function normaliseSql(sql: string): string {
  const lines = sql.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length),
  );
  return lines.map((l) => l.slice(indent).trimEnd()).join('\n');
}

/**
 * A multi-value SQL variable as a text[]: the selected values, or an empty array for "All"
 * (variables made by sqlVariable() send `NULL` for All, which Grafana inserts unformatted). The
 * DORA functions read an empty array as "no filter".
 */
export function sqlArray(variable: string): string {
  return `array_remove(ARRAY[\${${variable}:sqlstring}]::text[], NULL)`;
}

/**
 * A label selector: `sel('job=~"$job"', 'result="REJECTED"')` → `{job=~"$job",result="REJECTED"}`.
 * Dashboards define their base selector once and extend it, instead of repeating it in every query.
 */
export function sel(...matchers: string[]): string {
  return `{${matchers.join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Panels: one builder per kind, with the house defaults

export interface PanelSize {
  readonly w: number;
  readonly h: number;
}

const HALF: PanelSize = { w: 12, h: 8 };

function legendBottom(): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom);
}

export function timeseries(
  title: string,
  description: string,
  unit: string,
  size: PanelSize = HALF,
): TimeseriesPanelBuilder {
  return new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .gridPos({ x: 0, y: 0, ...size })
    .lineWidth(1)
    .fillOpacity(10)
    .spanNulls(true)
    .legend(legendBottom());
}

/** Bars per bucket (a day, a week): counts over time, stacked by series. */
export function bars(
  title: string,
  description: string,
  unit: string,
  size: PanelSize = HALF,
): TimeseriesPanelBuilder {
  return timeseries(title, description, unit, size)
    .drawStyle(GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new StackingConfigBuilder().mode(StackingMode.Normal).group('A'));
}

export interface Threshold {
  readonly value: number | null;
  readonly color: string;
}

export function thresholds(steps: Threshold[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([...steps]);
}

/** One big number (the last value), with a sparkline. */
export function stat(
  title: string,
  description: string,
  unit: string,
  size: PanelSize = { w: 6, h: 5 },
): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .gridPos({ x: 0, y: 0, ...size })
    .colorMode(BigValueColorMode.Value)
    .graphMode(BigValueGraphMode.Area)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds([{ value: null, color: 'text' }]));
}

export function table(
  title: string,
  description: string,
  size: PanelSize = { w: 24, h: 9 },
): TablePanelBuilder {
  return new TablePanelBuilder()
    .title(title)
    .description(description)
    .gridPos({ x: 0, y: 0, ...size })
    .filterable(true);
}

// ---------------------------------------------------------------------------------------------
// Variables and annotations

/**
 * A variable filled by SQL, multi-select with an "All" option whose value is `allValue`. Grafana
 * inserts a custom all value as it is, without the variable's format: `NULL` makes sqlArray() an
 * empty array.
 */
export function sqlVariable(
  name: string,
  label: string,
  query: string,
  allValue?: string,
): QueryVariableBuilder {
  const builder = new QueryVariableBuilder(name)
    .label(label)
    .datasource(POSTGRES)
    .query(normaliseSql(query))
    .definition(normaliseSql(query))
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all', selected: true });
  // Without a custom all value, "All" sends every option (formatted like a selection).
  if (allValue !== undefined) builder.allValue(allValue);
  return builder;
}

/** A variable filled from Prometheus label values. */
export function promVariable(
  name: string,
  label: string,
  query: string,
  options: { multi: boolean; allValue?: string },
): QueryVariableBuilder {
  const builder = new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(options.multi);
  if (options.allValue !== undefined) {
    builder
      .includeAll(true)
      .allValue(options.allValue)
      .current({ text: 'All', value: '$__all', selected: true });
  }
  return builder;
}

export function customVariable(
  name: string,
  label: string,
  values: readonly string[],
  current: string,
): CustomVariableBuilder {
  return new CustomVariableBuilder(name)
    .label(label)
    .values(values.join(','))
    .current({ text: current, value: current, selected: true });
}

/** A multi-select variable of fixed values with an "All" option whose value is `allValue`. */
export function multiCustomVariable(
  name: string,
  label: string,
  values: readonly string[],
  allValue: string,
): CustomVariableBuilder {
  return new CustomVariableBuilder(name)
    .label(label)
    .values(values.join(','))
    .multi(true)
    .includeAll(true)
    .allValue(allValue)
    .current({ text: 'All', value: '$__all', selected: true });
}

export function textVariable(name: string, label: string, value: string): TextBoxVariableBuilder {
  return new TextBoxVariableBuilder(name)
    .label(label)
    .defaultValue(value)
    .current({ text: value, value, selected: true });
}

/** Annotations from SQL: rows with `time`, optional `timeend`, `text` and `tags`. */
export function sqlAnnotation(name: string, color: string, rawSql: string): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name(name)
    .datasource(POSTGRES)
    .enable(true)
    .iconColor(color)
    .target(sqlQuery(rawSql, 'table'));
}
