import type { Provider } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { PrometheusClient } from './prometheus.client.js';

/** Injection token of the PrometheusClient, or null when PROMETHEUS_URL is unset. */
export const PROMETHEUS_CLIENT = Symbol('PROMETHEUS_CLIENT');

export const prometheusClientProvider: Provider = {
  provide: PROMETHEUS_CLIENT,
  useFactory: (config: AppConfig): PrometheusClient | null =>
    config.prometheusUrl ? new PrometheusClient(config.prometheusUrl) : null,
  inject: [APP_CONFIG],
};
