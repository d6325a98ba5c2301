import { Module } from '@nestjs/common';
import { CliDownloadController } from './cli-download.controller.js';

/** Serves the `shipwatch` CLI to CI runners (GET /cli/shipwatch.tgz). */
@Module({ controllers: [CliDownloadController] })
export class CliDistributionModule {}
