import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SHIPWATCH_VERSION } from '../../config/version.js';
import { cliPackage, findCompiledCli } from './cli-tarball.js';

/**
 * GET /cli/shipwatch.tgz: the `shipwatch` CLI of this server as an npm package (public: it holds
 * no secret). `npm install -g "$SHIPWATCH_URL/cli/shipwatch.tgz"` on a CI runner with Node.js.
 */
@Controller('cli')
export class CliDownloadController {
  private tarball?: Buffer;

  @Get('shipwatch.tgz')
  @Header('Cache-Control', 'no-cache')
  download(@Res() res: Response): void {
    if (!this.tarball) {
      const dir = findCompiledCli(import.meta.dirname);
      if (!dir) {
        res.status(503).json({
          error: { code: 'CLI_NOT_BUILT', message: 'the CLI is not compiled: run npm run build' },
        });
        return;
      }
      this.tarball = cliPackage(dir, SHIPWATCH_VERSION);
    }
    res
      .status(200)
      .type('application/gzip')
      .setHeader('Content-Disposition', `attachment; filename="shipwatch-${SHIPWATCH_VERSION}.tgz"`)
      .send(this.tarball);
  }
}
