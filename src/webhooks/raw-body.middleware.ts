import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { type NextFunction, type Request, type RequestHandler, type Response, raw } from 'express';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';

/**
 * The app parses JSON and text bodies (keeping req.rawBody); webhook routes also take any other
 * content type (GitHub's form encoding, CloudEvents binary mode with application/octet-stream
 * or no Content-Type), read here as bytes into req.rawBody, within the same size limit.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.parse = raw({ type: () => true, limit: config.bodyLimitBytes });
  }

  use(req: RawBodyRequest<Request>, res: Response, next: NextFunction): void {
    void this.parse(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      if (!req.rawBody && Buffer.isBuffer(req.body)) req.rawBody = req.body;
      next();
    });
  }
}
