import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SIGNATURE_TOLERANCE_SECONDS } from '../../webhooks/signatures.js';

/**
 * How long a request key is kept: a signed timestamp may be five minutes ahead of the clock and
 * is accepted until five minutes after it; later, a replay is refused as stale anyway.
 */
const KEEP_MS = (2 * SIGNATURE_TOLERANCE_SECONDS + 60) * 1000;

/** The signed slash command requests acted on lately: each one is acted on once. */
@Injectable()
export class SlackCommandRequestsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the request; false when it was recorded already (a replay). */
  async claim(requestKey: string, now: Date): Promise<boolean> {
    await this.dataSource.query(`DELETE FROM slack_command_requests WHERE received_at < $1`, [
      new Date(now.getTime() - KEEP_MS),
    ]);
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO slack_command_requests (request_key, received_at) VALUES ($1, $2)
       ON CONFLICT (request_key) DO NOTHING RETURNING request_key`,
      [requestKey, now],
    );
    return rows.length === 1;
  }
}
