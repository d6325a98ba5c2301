import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from './metrics.js';

/** Times every HTTP request; the route label is the matched template, or `unmatched`. */
export function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const end = httpRequestDuration.startTimer();
  res.once('finish', () => {
    const route = (req.route as { path?: string } | undefined)?.path;
    end({
      method: req.method,
      route: route ? `${req.baseUrl}${route}` : req.baseUrl || knownPath(req.path),
      status_class: `${Math.floor(res.statusCode / 100)}xx`,
    });
  });
  next();
}

const KNOWN = new Set(['/graphql', '/metrics', '/healthz', '/readyz']);
const knownPath = (path: string): string => (KNOWN.has(path) ? path : 'unmatched');
