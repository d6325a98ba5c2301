import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/config.schema.js';
import { SHIPWATCH_VERSION } from './config/version.js';
import { DataDirInUseError } from './database/data-dir-lock.js';
import { DatabaseUnreachableError } from './database/data-source.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env, SHIPWATCH_VERSION);
  const { app, db } = await createApp(config);
  await app.listen(config.port, config.host);
  // Graceful stop: finish in-flight requests, close the database, flush traces, exit 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      new Logger('Bootstrap').log(`${signal} received, shutting down`);
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shipwatch: error during shutdown: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
  const server = app.getHttpServer() as import('node:http').Server;
  const address = server.address() as { port: number } | null;
  new Logger('Bootstrap').log({
    msg: `Shipwatch ${config.version} listening on http://${config.host}:${address?.port ?? config.port} with ${db.description}`,
    port: address?.port ?? config.port,
    database: config.databaseKind,
  });
}

bootstrap().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof DataDirInUseError ||
    error instanceof DatabaseUnreachableError
  ) {
    process.stderr.write(`shipwatch: ${error.message}\n`);
  } else {
    process.stderr.write(
      `shipwatch: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
