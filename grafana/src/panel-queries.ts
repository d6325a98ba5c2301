/**
 * Every query a dashboard makes Grafana run: panel targets, annotations and variables, read from
 * the dashboard JSON (the committed file, i.e. exactly what Grafana loads). The tests run each one
 * against real PostgreSQL and Prometheus.
 */

export type QueryDatasource = 'prometheus' | 'postgres';

export interface DashboardQuery {
  readonly dashboard: string;
  /** Where the query sits, for messages: `panel 7 "Events ingested" A`, `variable service`, ... */
  readonly where: string;
  readonly datasource: QueryDatasource;
  /** PromQL or SQL, with Grafana macros and ${variables} still in. */
  readonly text: string;
  /** PromQL: an instant query (else a range query). SQL: `table` or `time_series`. */
  readonly instant: boolean;
  readonly format?: string;
}

interface DatasourceJson {
  type?: string;
  uid?: string;
}

interface TargetJson {
  refId?: string;
  datasource?: DatasourceJson;
  expr?: string;
  instant?: boolean;
  range?: boolean;
  rawSql?: string;
  format?: string;
}

interface PanelJson {
  id?: number;
  type?: string;
  title?: string;
  datasource?: DatasourceJson;
  targets?: TargetJson[];
  panels?: PanelJson[];
}

export interface DashboardJson {
  uid?: string;
  title?: string;
  panels?: PanelJson[];
  annotations?: { list?: { name?: string; datasource?: DatasourceJson; target?: TargetJson }[] };
  templating?: {
    list?: {
      name?: string;
      type?: string;
      datasource?: DatasourceJson;
      query?: unknown;
      allValue?: string;
      current?: { text?: unknown; value?: unknown };
    }[];
  };
}

export function datasourceKind(ds: DatasourceJson | undefined): QueryDatasource {
  if (ds?.type === 'prometheus') return 'prometheus';
  if (ds?.type === 'grafana-postgresql-datasource') return 'postgres';
  throw new Error(`unsupported datasource ${JSON.stringify(ds)}`);
}

function targetQuery(
  dashboard: string,
  where: string,
  target: TargetJson,
  fallback?: DatasourceJson,
): DashboardQuery {
  const datasource = datasourceKind(target.datasource ?? fallback);
  const text = datasource === 'prometheus' ? target.expr : target.rawSql;
  if (!text?.trim()) throw new Error(`${dashboard} ${where}: empty query`);
  return {
    dashboard,
    where,
    datasource,
    text,
    instant: target.instant === true && target.range !== true,
    format: target.format,
  };
}

/** Every panel's every target, in panel order (rows' nested panels included). */
export function panelQueries(json: DashboardJson): DashboardQuery[] {
  const uid = json.uid ?? '(no uid)';
  const out: DashboardQuery[] = [];
  const visit = (panels: PanelJson[] = []): void => {
    for (const panel of panels) {
      if (panel.type !== 'row') {
        const targets = panel.targets ?? [];
        if (targets.length === 0) {
          throw new Error(`${uid} panel ${panel.id} "${panel.title}" has no query`);
        }
        for (const target of targets) {
          const where = `panel ${panel.id} "${panel.title}" ${target.refId ?? '?'}`;
          out.push(targetQuery(uid, where, target, panel.datasource));
        }
      }
      visit(panel.panels);
    }
  };
  visit(json.panels);
  return out;
}

export function annotationQueries(json: DashboardJson): DashboardQuery[] {
  const uid = json.uid ?? '(no uid)';
  return (json.annotations?.list ?? []).map((a) => {
    if (!a.target) throw new Error(`${uid} annotation "${a.name}" has no query`);
    return targetQuery(uid, `annotation "${a.name}"`, a.target, a.datasource);
  });
}

/** Query variables (custom and text box variables run nothing). */
export function variableQueries(json: DashboardJson): DashboardQuery[] {
  const uid = json.uid ?? '(no uid)';
  return (json.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => {
      if (typeof v.query !== 'string' || !v.query.trim()) {
        throw new Error(`${uid} variable ${v.name}: the query must be a non-empty string`);
      }
      return {
        dashboard: uid,
        where: `variable ${v.name}`,
        datasource: datasourceKind(v.datasource),
        text: v.query,
        instant: true,
      };
    });
}

export function allQueries(json: DashboardJson): DashboardQuery[] {
  return [...variableQueries(json), ...annotationQueries(json), ...panelQueries(json)];
}
