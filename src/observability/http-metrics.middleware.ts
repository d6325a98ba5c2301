import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from './metrics.js';
import { currentTraceIds } from './tracing.js';

const logger = new Logger('HTTP');
const KNOWN = new Set(['/graphql', '/metrics', '/healthz', '/readyz']);

/**
 * Times every HTTP request (route label = the matched template, or `unmatched`) and writes a
 * debug access-log line carrying the request's trace id.
 */
export function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  // The finish event fires outside the request's async context: take the ids now.
  const traceIds = currentTraceIds();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const template = (req.route as { path?: string } | undefined)?.path;
    const route = template
      ? `${req.baseUrl}${template}`
      : req.baseUrl || (KNOWN.has(req.path) ? req.path : 'unmatched');
    httpRequestDuration.observe(
      { method: req.method, route, status_class: `${Math.floor(res.statusCode / 100)}xx` },
      seconds,
    );
    logger.debug({
      msg: 'request',
      method: req.method,
      route,
      status: res.statusCode,
      duration_ms: Math.round(seconds * 1000),
      ...traceIds,
    });
  });
  next();
}
