/**
 * Bulk backfill from an NDJSON file (one event per line), in batches, resumable.
 *
 * Idempotent: every event carries (source, eventId), so sending a line twice gives DUPLICATE.
 * Resumable: after each batch the server acknowledged, `<file>.progress` records the byte offset
 * and line reached and a SHA-256 of the bytes before it. A later run continues from there (the
 * batch that was in flight when the process died is sent again and comes back DUPLICATE); a file
 * whose first bytes changed since is refused rather than resumed at a wrong place. The
 * checkpoint is deleted once the whole file is done, so a second import of the same file sends
 * everything again (all DUPLICATE).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';

export const MAX_BATCH_LINES = 1000;
/** Well below the server's default 5 MiB body limit. */
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;

export type ImportResult = 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';

export interface LineOutcome {
  readonly result: ImportResult;
  readonly errors?: readonly { readonly field?: string; readonly message: string }[];
}

export interface Counts {
  accepted: number;
  duplicate: number;
  rejected: number;
}

export interface Rejection {
  readonly line: number;
  readonly errors: readonly { readonly field?: string; readonly message: string }[];
}

export interface Checkpoint {
  readonly version: 1;
  readonly file: string;
  /** Bytes of the file fully acknowledged. */
  readonly offset: number;
  /** Lines fully acknowledged (the next line to send is line + 1). */
  readonly line: number;
  /** SHA-256 (hex) of bytes [0, offset): a changed file is not resumed. */
  readonly prefixSha256: string;
  /** Totals of every run so far. */
  readonly counts: Counts;
  /** The first rejected lines of every run so far (at most MAX_REPORTED_REJECTIONS). */
  readonly rejections?: readonly Rejection[];
  readonly updatedAt: string;
}

export interface ImportProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly line: number;
  readonly counts: Readonly<Counts>;
}

export interface ImportOptions {
  readonly file: string;
  /** Sends one batch; returns one outcome per event, in order. */
  readonly send: (events: readonly unknown[]) => Promise<readonly LineOutcome[]>;
  /**
   * Turns a parsed line into the event to send, or returns an error message to reject it
   * locally (e.g. not an object). Defaults to passing objects through.
   */
  readonly prepare?: (value: unknown, line: number) => unknown;
  readonly batchLines?: number;
  readonly batchBytes?: number;
  /** Stop after this many lines of this run (the checkpoint stays, to resume). */
  readonly limitLines?: number;
  /** Ignore and replace an existing checkpoint. */
  readonly restart?: boolean;
  /** Stop after the batch in flight. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ImportProgress) => void;
  readonly now?: () => Date;
}

export interface ImportSummary {
  readonly file: string;
  /** Line the run started after (0 = from the beginning). */
  readonly resumedAfterLine: number;
  /** Last line acknowledged. */
  readonly line: number;
  /** This run. */
  readonly counts: Counts;
  /** Every run since the file was started (equals `counts` without a resume). */
  readonly totalCounts: Counts;
  /**
   * The first rejected lines of every run since the file was started, in line order (at most
   * MAX_REPORTED_REJECTIONS): a resumed import still reports the bad lines an earlier run found.
   */
  readonly rejections: Rejection[];
  readonly complete: boolean;
  /** Why the run stopped before the end. */
  readonly stoppedBy?: 'limit' | 'signal';
  readonly checkpointFile: string;
}

export const MAX_REPORTED_REJECTIONS = 100;

export class ImportError extends Error {}

export function checkpointPath(file: string): string {
  return `${file}.progress`;
}

export async function readCheckpoint(file: string): Promise<Checkpoint | null> {
  let text: string;
  try {
    text = await readFile(checkpointPath(file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Checkpoint>;
  if (
    parsed.version !== 1 ||
    typeof parsed.offset !== 'number' ||
    typeof parsed.line !== 'number' ||
    typeof parsed.prefixSha256 !== 'string'
  ) {
    throw new ImportError(
      `${checkpointPath(file)} is not a checkpoint of this version; delete it or pass --restart`,
    );
  }
  return {
    ...(parsed as Checkpoint),
    counts: { accepted: 0, duplicate: 0, rejected: 0, ...parsed.counts },
  };
}

/** Written to a temporary file and renamed, so a crash never leaves half a checkpoint. */
async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  const path = checkpointPath(file);
  await writeFile(`${path}.tmp`, `${JSON.stringify(checkpoint)}\n`);
  await rename(`${path}.tmp`, path);
}

async function hashPrefix(file: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    let position = 0;
    while (position < length) {
      const { bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, length - position),
        position,
      );
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash;
}

interface RawLine {
  readonly number: number;
  readonly text: string;
  /** Byte offset just after the line and its newline. */
  readonly end: number;
  readonly bytes: Buffer;
}

/** Lines of the file from `offset`, with exact byte offsets (splits on \n bytes, not chars). */
async function* readLines(
  file: string,
  offset: number,
  firstLine: number,
): AsyncGenerator<RawLine> {
  const stream = createReadStream(file, { start: offset, highWaterMark: 256 * 1024 });
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let position = offset;
  let number = firstLine;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl + 1);
      const bytes = pendingLength > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingLength = 0;
      position += piece.length;
      yield { number: ++number, text: bytes.toString('utf8'), end: position, bytes };
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingLength += chunk.length - start;
      position += chunk.length - start;
    }
  }
  if (pendingLength > 0) {
    const bytes = Buffer.concat(pending);
    yield { number: ++number, text: bytes.toString('utf8'), end: position, bytes };
  }
}

type Parsed =
  { kind: 'event'; event: unknown } | { kind: 'invalid'; message: string } | { kind: 'blank' };

function parseLine(text: string, line: number, prepare: ImportOptions['prepare']): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', message: `not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', message: 'each line must be one JSON object' };
  }
  if (!prepare) return { kind: 'event', event: value };
  const prepared = prepare(value, line);
  return typeof prepared === 'string'
    ? { kind: 'invalid', message: prepared }
    : { kind: 'event', event: prepared };
}

export async function importNdjson(options: ImportOptions): Promise<ImportSummary> {
  const { file } = options;
  const batchLines = Math.min(options.batchLines ?? MAX_BATCH_LINES, MAX_BATCH_LINES);
  const batchBytes = options.batchBytes ?? MAX_BATCH_BYTES;
  const now = options.now ?? (() => new Date());
  const size = (await stat(file)).size;

  let checkpoint = options.restart ? null : await readCheckpoint(file);
  if (checkpoint && checkpoint.offset > size) {
    throw new ImportError(
      `${file} is shorter than at the checkpoint (${checkpoint.offset} bytes done); delete ${checkpointPath(file)} or pass --restart`,
    );
  }
  const hash = await hashPrefix(file, checkpoint?.offset ?? 0);
  if (checkpoint && hash.copy().digest('hex') !== checkpoint.prefixSha256) {
    throw new ImportError(
      `${file} changed since the checkpoint at line ${checkpoint.line}; delete ${checkpointPath(file)} or pass --restart to import it from the beginning`,
    );
  }
  const resumedAfterLine = checkpoint?.line ?? 0;
  const counts: Counts = { accepted: 0, duplicate: 0, rejected: 0 };
  const total: Counts = { ...(checkpoint?.counts ?? counts) };
  const rejections: Rejection[] = [...(checkpoint?.rejections ?? [])];
  let offset = checkpoint?.offset ?? 0;
  let lineDone = resumedAfterLine;
  let seen = 0;
  let stoppedBy: ImportSummary['stoppedBy'];

  const add = (result: ImportResult, line: number, errors: Rejection['errors'] = []): void => {
    const key =
      result === 'ACCEPTED' ? 'accepted' : result === 'DUPLICATE' ? 'duplicate' : 'rejected';
    counts[key]++;
    total[key]++;
    if (result === 'REJECTED' && rejections.length < MAX_REPORTED_REJECTIONS) {
      rejections.push({ line, errors });
    }
  };

  type Item = { line: number; end: number; bytes: Buffer } & Parsed;
  let batch: Item[] = [];
  let batchSize = 0;
  let sendable = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const toSend = batch.filter((i): i is Item & { kind: 'event' } => i.kind === 'event');
    const outcomes = toSend.length > 0 ? await options.send(toSend.map((i) => i.event)) : [];
    if (outcomes.length !== toSend.length) {
      throw new ImportError(
        `the server answered ${outcomes.length} outcomes for ${toSend.length} events`,
      );
    }
    let k = 0;
    for (const item of batch) {
      if (item.kind === 'event') {
        const outcome = outcomes[k++];
        add(outcome.result, item.line, outcome.errors ?? []);
      } else if (item.kind === 'invalid') {
        add('REJECTED', item.line, [{ message: item.message }]);
      }
      hash.update(item.bytes);
    }
    const last = batch[batch.length - 1];
    offset = last.end;
    lineDone = last.line;
    batch = [];
    batchSize = 0;
    sendable = 0;
    checkpoint = {
      version: 1,
      file: basename(file),
      offset,
      line: lineDone,
      prefixSha256: hash.copy().digest('hex'),
      counts: { ...total },
      rejections,
      updatedAt: now().toISOString(),
    };
    await writeCheckpoint(file, checkpoint);
    options.onProgress?.({
      bytesDone: offset,
      bytesTotal: size,
      line: lineDone,
      counts: { ...counts },
    });
  };

  for await (const raw of readLines(file, offset, lineDone)) {
    if (options.signal?.aborted) {
      stoppedBy = 'signal';
      break;
    }
    if (options.limitLines !== undefined && seen >= options.limitLines) {
      stoppedBy = 'limit';
      break;
    }
    seen++;
    const text = raw.text.trim();
    // Blank lines carry nothing; they move the checkpoint forward with their batch.
    const parsed: Parsed =
      text === '' ? { kind: 'blank' } : parseLine(text, raw.number, options.prepare);
    batch.push({ line: raw.number, end: raw.end, bytes: raw.bytes, ...parsed });
    batchSize += raw.bytes.length;
    if (parsed.kind === 'event') sendable++;
    if (sendable >= batchLines || batchSize >= batchBytes) await flush();
  }
  await flush();

  const complete = stoppedBy === undefined || offset >= size;
  if (complete) {
    stoppedBy = undefined;
    await rm(checkpointPath(file), { force: true });
  }
  return {
    file,
    resumedAfterLine,
    line: lineDone,
    counts,
    totalCounts: total,
    rejections,
    complete,
    stoppedBy,
    checkpointFile: checkpointPath(file),
  };
}
