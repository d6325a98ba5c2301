import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { hasPendingMigrations } from '../database/migrator.js';

@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every migration is applied. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response): Promise<Record<string, string>> {
    try {
      await this.dataSource.query('SELECT 1');
      if (await hasPendingMigrations(this.dataSource)) {
        res.status(503);
        return { status: 'unavailable', reason: 'migrations pending' };
      }
      return { status: 'ok' };
    } catch (error) {
      res.status(503);
      return { status: 'unavailable', reason: `database: ${(error as Error).message}` };
    }
  }
}
