import type { NextFunction, Request, Response } from 'express';
import onHeaders from 'on-headers';

/**
 * A request answered with an error before its body was received (413 over the body limit, 429
 * rate limited, 401 refused) is answered with `Connection: close`. Keeping such a connection
 * alive makes Node read and discard the rest of the body first — 4.8 MB for each refused upload,
 * read by the event loop that serves every other client. on-headers (jshttp, the hook that
 * Express' own middleware uses) sets the header at the last moment, whoever answers.
 */
export function closeUnreadRefusals(req: Request, res: Response, next: NextFunction): void {
  onHeaders(res, () => {
    if (res.statusCode >= 400 && !req.complete) res.setHeader('Connection', 'close');
  });
  next();
}
