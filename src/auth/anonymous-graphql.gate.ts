import type { NextFunction, Request, Response } from 'express';
import getRawBody from 'raw-body';
import { UNKNOWN_TOKEN, type AuthenticatedRequest } from './auth.guard.js';
import { anonymousRefusal } from './anonymous-graphql.rule.js';

/** Largest body of a GraphQL request without a valid API token (a serverInfo query is ~50 bytes). */
export const ANONYMOUS_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Mounted on /graphql before the body parsers: a request without a valid API token (the rate
 * limiter has looked it up) has its body read as JSON with a 16 KiB limit instead of
 * SHIPWATCH_BODY_LIMIT_BYTES. Over it, 413 at once — announced by Content-Length or met while
 * reading — and the connection is closed (close-unread-refusals.middleware.ts): raw-body stops
 * reading there, where express.json would first read and discard the whole upload.
 */
export function anonymousGraphqlBody(req: Request, res: Response, next: NextFunction): void {
  if ((req as AuthenticatedRequest).principal || req.method !== 'POST') return next();
  getRawBody(
    req,
    { length: req.headers['content-length'], limit: ANONYMOUS_BODY_LIMIT_BYTES, encoding: 'utf8' },
    (error, text) => {
      if (error) {
        const status = (error as { status?: number }).status ?? 400;
        const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
        res.status(status).json({ error: { code, message: error.message } });
        return;
      }
      try {
        req.body = text === '' ? {} : (JSON.parse(text) as unknown);
      } catch {
        res.status(400).json({ error: { code: 'BAD_REQUEST', message: 'the body is not JSON' } });
        return;
      }
      // The body parsers that follow skip it: body-parser reads no request already finished.
      next();
    },
  );
}

/**
 * Mounted on /graphql after the body parsers: a request without a valid API token reaches Apollo
 * (parsing, validation, execution) only when it asks for serverInfo alone; anything else is
 * answered 401 UNAUTHENTICATED here, at a cost bounded by anonymous-graphql.rule.ts. GET without
 * a query (the GraphiQL page) goes on.
 */
export function anonymousGraphqlGate(req: Request, res: Response, next: NextFunction): void {
  if ((req as AuthenticatedRequest).principal) return next();
  if (req.method !== 'POST' && req.method !== 'GET') return next();
  if (req.method === 'GET' && req.query.query === undefined) return next();
  const refusal = anonymousRefusal(req.method === 'GET' ? req.query : req.body);
  if (!refusal) return next();
  // A token was sent but the rate limiter found no principal for it: say so, not "no token".
  const message = req.headers.authorization ? UNKNOWN_TOKEN : refusal;
  res
    .status(401)
    .setHeader('WWW-Authenticate', 'Bearer')
    .json({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
}
