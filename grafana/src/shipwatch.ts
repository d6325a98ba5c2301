/**
 * "Shipwatch": for the people who run Shipwatch. Its own Prometheus metrics only
 * (src/observability/metrics.ts and each feature's *.metrics.ts): ingestion, verification ticks,
 * the remediation outbox, request latency and the process.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  GENERATED_TAGS,
  promInstant,
  promQuery,
  promVariable,
  sel,
  stat,
  table,
  thresholds,
  timeseries,
  bars,
} from './common.js';
import { PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';

/** Every query of this dashboard selects the chosen Shipwatch job and replicas. */
const BASE = ['job="$job"', 'instance=~"$instance"'];
const s = (...extra: string[]): string => sel(...BASE, ...extra);

const RATE = '$__rate_interval';

function runningReplicas() {
  return stat('Replicas up', 'Shipwatch replicas answering scrapes now', 'none')
    .withTarget(promInstant(`sum(up${s()})`, 'replicas'))
    .thresholds(
      thresholds([
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ]),
    );
}

function requestRate() {
  return stat('Requests', 'HTTP requests per second, all routes', 'reqps').withTarget(
    promQuery(
      `sum(rate(shipwatch_http_request_duration_seconds_count${s()}[${RATE}]))`,
      'requests',
    ),
  );
}

function serverErrorRatio() {
  return stat(
    'HTTP 5xx ratio',
    'Share of HTTP requests answered with a server error (0 when there were none)',
    'percentunit',
  )
    .withTarget(
      promQuery(
        `(sum(rate(shipwatch_http_request_duration_seconds_count${s('status_class="5xx"')}[${RATE}])) or vector(0))
  / sum(rate(shipwatch_http_request_duration_seconds_count${s()}[${RATE}]))`,
        '5xx ratio',
      ),
    )
    .thresholds(
      thresholds([
        { value: null, color: 'green' },
        { value: 0.01, color: 'orange' },
        { value: 0.05, color: 'red' },
      ]),
    );
}

function runningVersions() {
  return table('Running versions', 'Shipwatch build per replica', { w: 6, h: 5 }).withTarget(
    promInstant(`max by (instance, version, node_version) (shipwatch_build_info${s()})`).format(
      PromQueryFormat.Table,
    ),
  );
}

function ingestRate() {
  return timeseries(
    'Events ingested',
    'CI/CD events received (GraphQL, webhooks, CLI) per second, by kind and result',
    'ops',
  ).withTarget(
    promQuery(
      `sum by (kind, result) (rate(shipwatch_events_ingested_total${s()}[${RATE}]))`,
      '{{kind}} {{result}}',
    ),
  );
}

function ingestErrors() {
  return timeseries(
    'Ingest rejections',
    'Share of received events rejected (invalid, unauthorised or unmappable), by kind',
    'percentunit',
  ).withTarget(
    promQuery(
      `sum by (kind) (rate(shipwatch_events_ingested_total${s('result="REJECTED"')}[${RATE}]))
  / sum by (kind) (rate(shipwatch_events_ingested_total${s()}[${RATE}]))`,
      '{{kind}}',
    ),
  );
}

function ingestLatency() {
  return timeseries(
    'Ingest duration p90',
    'Time to validate, store and apply one delivery or one ingestEvents batch',
    's',
  ).withTarget(
    promQuery(
      `histogram_quantile(0.9, sum by (le, mode) (rate(shipwatch_ingest_duration_seconds_bucket${s()}[${RATE}])))`,
      '{{mode}}',
    ),
  );
}

function webhookDeliveries() {
  return timeseries(
    'Webhook deliveries',
    'GitHub, GitLab and CloudEvents deliveries per second, by source and result',
    'ops',
  ).withTarget(
    promQuery(
      `sum by (source, result) (rate(shipwatch_webhook_deliveries_total${s()}[${RATE}]))`,
      '{{source}} {{result}}',
    ),
  );
}

function doraBacklog() {
  return timeseries(
    'DORA refresh backlog',
    'Changes to deployments and incidents not yet folded into the DORA facts (0 in steady state)',
    'none',
  ).withTarget(promQuery(`max(shipwatch_dora_pending_changes${s()})`, 'pending changes'));
}

function verificationTickDuration() {
  return timeseries(
    'Verification tick duration p90',
    'Time of one verification tick: the Prometheus queries and the analysis',
    's',
  ).withTarget(
    promQuery(
      `histogram_quantile(0.9, sum by (le) (rate(shipwatch_verification_tick_duration_seconds_bucket${s()}[${RATE}])))`,
      'p90',
    ),
  );
}

function prometheusQueryErrors() {
  return timeseries(
    'Prometheus query errors',
    'Failed verification queries per second (unavailable: Prometheus did not answer; query: bad PromQL). Verdicts turn INCONCLUSIVE, never FAILED',
    'ops',
  ).withTarget(
    promQuery(
      `sum by (reason) (rate(shipwatch_prometheus_query_errors_total${s()}[${RATE}]))`,
      '{{reason}}',
    ),
  );
}

function verificationTicks() {
  return bars(
    'Verification ticks',
    'Release verification ticks per second, by classification (pass, fail, no data, error)',
    'ops',
  ).withTarget(
    promQuery(
      `sum by (classification) (rate(shipwatch_verification_ticks_total${s()}[${RATE}]))`,
      '{{classification}}',
    ),
  );
}

function verdicts() {
  return bars('Verdicts', 'Release verdicts reached in each interval', 'none').withTarget(
    promQuery(
      `sum by (verdict) (increase(shipwatch_verifications_total${s()}[${RATE}]))`,
      '{{verdict}}',
    ),
  );
}

function outboxBacklog() {
  return timeseries(
    'Outbox backlog',
    'Remediation actions (rollbacks, alerts) waiting for delivery, and the age of the oldest',
    'none',
  )
    .withTarget(promQuery(`max(shipwatch_outbox_pending${s()})`, 'pending'))
    .withTarget(
      promQuery(`max(shipwatch_outbox_oldest_pending_age_seconds${s()})`, 'oldest age (s)'),
    );
}

function outboxDeliveries() {
  return bars(
    'Outbox deliveries',
    'Delivery attempts per second by kind, channel and result (retry = will try again, dead = gave up)',
    'ops',
  ).withTarget(
    promQuery(
      `sum by (kind, channel, result) (rate(shipwatch_outbox_deliveries_total${s()}[${RATE}]))`,
      '{{kind}} {{channel}} {{result}}',
    ),
  );
}

function outboxFailures() {
  return stat(
    'Delivery failures',
    'Delivery attempts that failed (retry) or were abandoned (dead) in the dashboard range',
    'none',
    { w: 12, h: 5 },
  )
    .withTarget(
      promInstant(
        `sum(increase(shipwatch_outbox_deliveries_total${s('result=~"retry|dead"')}[$__range])) or vector(0)`,
        'failures',
      ),
    )
    .thresholds(
      thresholds([
        { value: null, color: 'green' },
        { value: 1, color: 'red' },
      ]),
    );
}

function rollbacks() {
  return stat(
    'Rollbacks',
    'Rollbacks accepted by their target in the dashboard range',
    'none',
  ).withTarget(
    promInstant(
      `sum by (reason) (increase(shipwatch_rollbacks_total${s()}[$__range]))`,
      '{{reason}}',
    ),
  );
}

function httpLatency() {
  return timeseries(
    'HTTP latency',
    'Request duration quantiles over all routes except /metrics',
    's',
  )
    .withTarget(
      promQuery(
        `histogram_quantile(0.5, sum by (le) (rate(shipwatch_http_request_duration_seconds_bucket${s('route!="/metrics"')}[${RATE}])))`,
        'p50',
      ),
    )
    .withTarget(
      promQuery(
        `histogram_quantile(0.99, sum by (le) (rate(shipwatch_http_request_duration_seconds_bucket${s('route!="/metrics"')}[${RATE}])))`,
        'p99',
      ),
    );
}

function httpLatencyByRoute() {
  return timeseries('HTTP p90 by route', 'Request duration p90 per route template', 's').withTarget(
    promQuery(
      `histogram_quantile(0.9, sum by (le, route) (rate(shipwatch_http_request_duration_seconds_bucket${s()}[${RATE}])))`,
      '{{route}}',
    ),
  );
}

function graphqlOperations() {
  return timeseries(
    'GraphQL operations',
    'GraphQL operations per second by type (query, mutation) and result (ok, error)',
    'ops',
  ).withTarget(
    promQuery(
      `sum by (operation, result) (rate(shipwatch_graphql_request_duration_seconds_count${s()}[${RATE}]))`,
      '{{operation}} {{result}}',
    ),
  );
}

function cpu() {
  return timeseries('CPU', 'CPU time used per second, per replica', 'percentunit').withTarget(
    promQuery(`rate(shipwatch_process_cpu_seconds_total${s()}[${RATE}])`, '{{instance}}'),
  );
}

function memory() {
  return timeseries('Memory', 'Resident memory and V8 heap in use, per replica', 'bytes')
    .withTarget(promQuery(`shipwatch_process_resident_memory_bytes${s()}`, 'rss {{instance}}'))
    .withTarget(promQuery(`shipwatch_nodejs_heap_size_used_bytes${s()}`, 'heap {{instance}}'));
}

function eventLoopLag() {
  return timeseries(
    'Event loop lag p99',
    'How late timers fire on the Node.js event loop: CPU-bound work shows here first',
    's',
  ).withTarget(promQuery(`shipwatch_nodejs_eventloop_lag_p99_seconds${s()}`, '{{instance}}'));
}

function openFds() {
  return timeseries(
    'Open file descriptors',
    'Sockets and files held open, per replica',
    'none',
  ).withTarget(promQuery(`shipwatch_process_open_fds${s()}`, '{{instance}}'));
}

export function shipwatchDashboard(): DashboardBuilder {
  return new DashboardBuilder('Shipwatch')
    .uid('shipwatch-self')
    .description(
      'Shipwatch itself: ingestion, verification, remediation outbox, latency and resources',
    )
    .tags([...GENERATED_TAGS, 'operators'])
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(
      promVariable('job', 'Job', 'label_values(shipwatch_build_info, job)', {
        multi: false,
      }).current({
        text: 'shipwatch',
        value: 'shipwatch',
        selected: true,
      }),
    )
    .withVariable(
      promVariable(
        'instance',
        'Replica',
        'label_values(shipwatch_build_info{job="$job"}, instance)',
        {
          multi: true,
          allValue: '.*',
        },
      ),
    )
    .withRow(new RowBuilder('Overview'))
    .withPanel(runningReplicas())
    .withPanel(requestRate())
    .withPanel(serverErrorRatio())
    .withPanel(runningVersions())
    .withRow(new RowBuilder('Ingestion'))
    .withPanel(ingestRate())
    .withPanel(ingestErrors())
    .withPanel(ingestLatency())
    .withPanel(webhookDeliveries())
    .withPanel(doraBacklog())
    .withRow(new RowBuilder('Verification'))
    .withPanel(verificationTicks())
    .withPanel(verdicts())
    .withPanel(verificationTickDuration())
    .withPanel(prometheusQueryErrors())
    .withRow(new RowBuilder('Remediation outbox'))
    .withPanel(outboxBacklog())
    .withPanel(outboxDeliveries())
    .withPanel(outboxFailures())
    .withPanel(rollbacks())
    .withRow(new RowBuilder('Requests'))
    .withPanel(httpLatency())
    .withPanel(httpLatencyByRoute())
    .withPanel(graphqlOperations())
    .withRow(new RowBuilder('Process'))
    .withPanel(cpu())
    .withPanel(memory())
    .withPanel(eventLoopLag())
    .withPanel(openFds());
}
