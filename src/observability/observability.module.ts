import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { shutdownTracing } from './tracing-sdk.js';

@Module({ controllers: [HealthController, MetricsController] })
export class ObservabilityModule implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await shutdownTracing();
  }
}
