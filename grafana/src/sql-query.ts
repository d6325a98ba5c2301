/**
 * The foundation SDK has no builder for Grafana's PostgreSQL datasource
 * (`grafana-postgresql-datasource`), so this is one, in the SDK's custom-query style: a raw SQL
 * query in code mode, returned as a table or as time series (a `time` column plus values).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

export type SqlFormat = 'table' | 'time_series';

export interface SqlQuery extends cog.Dataquery {
  refId?: string;
  hide?: boolean;
  datasource?: DataSourceRef;
  editorMode: 'code';
  format: SqlFormat;
  rawQuery: true;
  rawSql: string;
}

export class SqlQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: SqlQuery;

  constructor(rawSql: string) {
    this.internal = {
      editorMode: 'code',
      format: 'table',
      rawQuery: true,
      rawSql,
      _implementsDataqueryVariant() {},
    };
  }

  build(): SqlQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  hide(hide: boolean): this {
    this.internal.hide = hide;
    return this;
  }

  datasource(datasource: DataSourceRef): this {
    this.internal.datasource = datasource;
    return this;
  }

  format(format: SqlFormat): this {
    this.internal.format = format;
    return this;
  }
}
