/** Holds the OpenTelemetry SDK started by instrumentation.ts, so that shutdown can flush it. */
interface ShutdownCapable {
  shutdown(): Promise<void>;
}

let sdk: ShutdownCapable | undefined;

export function registerTracingSdk(instance: ShutdownCapable): void {
  sdk = instance;
}

/** Flushes pending spans; a no-op when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  const current = sdk;
  sdk = undefined;
  await current?.shutdown().catch(() => undefined);
}
