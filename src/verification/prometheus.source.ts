/**
 * The SignalSource of live verifications and backtests: renders the policy's PromQL templates for
 * one release and side, and reads them from Prometheus at the end of the window (a backtest simply
 * asks for past instants). Query errors become ERROR readings, never exceptions, so that a broken
 * Prometheus leads to INCONCLUSIVE and not to a failed tick run.
 */
import type { Reading, CheckReading } from './analysis/tick.rule.js';
import type {
  Side,
  SignalSource,
  SourcedReading,
  SourcedValue,
} from './analysis/tick-evaluator.js';
import { seconds, type TimeRange } from './analysis/window.rule.js';
import {
  PrometheusQueryError,
  PrometheusUnavailableError,
  type PrometheusClient,
} from './prometheus.client.js';
import {
  renderTemplate,
  TemplateError,
  type SliSpec,
  type TemplateContext,
  type ThresholdCheckSpec,
} from './verification-policy.js';

export interface ReleaseIdentity {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
  readonly version: string | null;
  readonly previousVersion: string | null;
  /** The version of the pre-deploy baseline (null: every version). */
  readonly preDeployVersion: string | null;
}

function errorMessage(error: unknown): string {
  if (error instanceof PrometheusQueryError)
    return `query error (${error.errorType}): ${error.message}`;
  if (error instanceof PrometheusUnavailableError) return error.message;
  if (error instanceof TemplateError) return `template: ${error.message}`;
  throw error;
}

export class PrometheusSignalSource implements SignalSource {
  constructor(
    private readonly client: PrometheusClient,
    private readonly release: ReleaseIdentity,
  ) {}

  private context(side: Side | 'CHECK', range: TimeRange): TemplateContext {
    const r = this.release;
    return {
      service: r.service,
      namespace: r.namespace,
      environment: r.environment,
      // CANARY measures the new version, BASELINE the previous one beside it, PRE_DEPLOY the
      // version before the anchor (unknown = every version, which was then only that one).
      version:
        side === 'CANARY' || side === 'CHECK'
          ? r.version
          : side === 'BASELINE'
            ? r.previousVersion
            : r.preDeployVersion,
      previousVersion: r.previousVersion,
      windowSeconds: seconds(range),
    };
  }

  async counts(sli: SliSpec, side: Side, range: TimeRange): Promise<SourcedReading> {
    const queries: string[] = [];
    try {
      const ctx = this.context(side, range);
      const totalQuery = renderTemplate(sli.totalQuery, ctx);
      const badQuery = renderTemplate(sli.badQuery, ctx);
      queries.push(totalQuery, badQuery);
      if (seconds(range) < 1) return { reading: { kind: 'NO_DATA' }, queries };
      const [total, bad] = await Promise.all([
        this.client.value(totalQuery, range.end),
        this.client.value(badQuery, range.end),
      ]);
      // An absent denominator is no data; so is an absent numerator (use `or vector(0)`).
      const reading: Reading =
        total === null || bad === null
          ? { kind: 'NO_DATA' }
          : { kind: 'OK', counts: { total: Math.max(0, total), bad: Math.max(0, bad) } };
      return { reading, queries };
    } catch (error) {
      return { reading: { kind: 'ERROR', message: errorMessage(error) }, queries };
    }
  }

  async value(check: ThresholdCheckSpec, range: TimeRange): Promise<SourcedValue> {
    const queries: string[] = [];
    try {
      const query = renderTemplate(check.query, this.context('CHECK', range));
      queries.push(query);
      const value = await this.client.value(query, range.end, true);
      const reading: CheckReading = value === null ? { kind: 'NO_DATA' } : { kind: 'OK', value };
      return { reading, queries };
    } catch (error) {
      return { reading: { kind: 'ERROR', message: errorMessage(error) }, queries };
    }
  }
}
