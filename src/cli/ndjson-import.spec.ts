import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkpointPath,
  ImportError,
  importNdjson,
  readCheckpoint,
  type LineOutcome,
} from './ndjson-import.js';

/** A stand-in for ingestEvents: dedupes by (source, eventId), rejects events without eventId. */
class FakeServer {
  readonly seen = new Set<string>();
  readonly batches: number[] = [];
  failAfterBatches = Infinity;

  send = async (events: readonly unknown[]): Promise<LineOutcome[]> => {
    if (this.batches.length >= this.failAfterBatches) throw new Error('connection reset');
    this.batches.push(events.length);
    return events.map((e) => {
      const { source, eventId } = e as { source?: string; eventId?: string };
      if (!eventId)
        return { result: 'REJECTED', errors: [{ field: 'eventId', message: 'is required' }] };
      const key = `${source}/${eventId}`;
      if (this.seen.has(key)) return { result: 'DUPLICATE' };
      this.seen.add(key);
      return { result: 'ACCEPTED' };
    });
  };
}

const line = (i: number): string =>
  JSON.stringify({ source: 'backfill', eventId: `e${i}`, n: i, text: 'é ✓' });

describe('importNdjson', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-import-'));
    file = join(dir, 'history.ndjson');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sends batches of at most batchLines, counts outcomes, and a second import is all DUPLICATE', async () => {
    writeFileSync(file, Array.from({ length: 25 }, (_, i) => line(i + 1)).join('\n') + '\n');
    const server = new FakeServer();
    const progress: number[] = [];
    const first = await importNdjson({
      file,
      send: server.send,
      batchLines: 10,
      onProgress: (p) => progress.push(p.line),
    });
    expect(server.batches).toEqual([10, 10, 5]);
    expect(progress).toEqual([10, 20, 25]);
    expect(first).toMatchObject({
      complete: true,
      line: 25,
      counts: { accepted: 25, duplicate: 0, rejected: 0 },
    });
    expect(existsSync(checkpointPath(file))).toBe(false);

    const second = await importNdjson({ file, send: server.send, batchLines: 10 });
    expect(second.counts).toEqual({ accepted: 0, duplicate: 25, rejected: 0 });
  });

  it('rejects bad lines locally with their line numbers, skips blank lines, and reports server rejections', async () => {
    writeFileSync(
      file,
      [line(1), '', '{not json', '[1,2]', JSON.stringify({ source: 's' }), '   ', line(2)].join(
        '\n',
      ),
    );
    const server = new FakeServer();
    const summary = await importNdjson({ file, send: server.send });
    expect(summary.counts).toEqual({ accepted: 2, duplicate: 0, rejected: 3 });
    expect(summary.rejections.map((r) => [r.line, r.errors[0].message.slice(0, 20)])).toEqual([
      [3, 'not JSON: Expected p'],
      [4, 'each line must be on'],
      [5, 'is required'],
    ]);
    expect(summary.line).toBe(7);
  });

  it('applies prepare() to every object (a string return rejects the line)', async () => {
    writeFileSync(
      file,
      `${JSON.stringify({ eventId: 'a' })}\n${JSON.stringify({ eventId: 'b', skip: true })}\n`,
    );
    const server = new FakeServer();
    const summary = await importNdjson({
      file,
      send: server.send,
      prepare: (v) =>
        (v as { skip?: boolean }).skip
          ? 'skipped on purpose'
          : { source: 'default', ...(v as object) },
    });
    expect(summary.counts).toEqual({ accepted: 1, duplicate: 0, rejected: 1 });
    expect(server.seen).toEqual(new Set(['default/a']));
  });

  it('stops after --limit lines keeping a checkpoint, and the next run resumes after it', async () => {
    writeFileSync(file, Array.from({ length: 30 }, (_, i) => line(i + 1)).join('\n') + '\n');
    const server = new FakeServer();
    const first = await importNdjson({ file, send: server.send, batchLines: 8, limitLines: 12 });
    expect(first).toMatchObject({ complete: false, stoppedBy: 'limit', line: 12 });
    const checkpoint = await readCheckpoint(file);
    expect(checkpoint).toMatchObject({ version: 1, line: 12, file: 'history.ndjson' });
    expect(checkpoint!.offset).toBe(
      Buffer.byteLength(Array.from({ length: 12 }, (_, i) => line(i + 1)).join('\n') + '\n'),
    );

    const rest = await importNdjson({ file, send: server.send, batchLines: 8 });
    expect(rest).toMatchObject({
      complete: true,
      resumedAfterLine: 12,
      line: 30,
      counts: { accepted: 18, duplicate: 0, rejected: 0 },
      totalCounts: { accepted: 30, duplicate: 0, rejected: 0 },
    });
    expect(server.seen.size).toBe(30);
    expect(existsSync(checkpointPath(file))).toBe(false);
  });

  it('a resumed import still reports the lines an earlier run rejected', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => line(i + 1));
    lines[3] = JSON.stringify({ source: 'backfill', n: 4 }); // no eventId: the fake rejects it
    lines[24] = '{oops';
    writeFileSync(file, lines.join('\n') + '\n');
    const server = new FakeServer();
    const first = await importNdjson({ file, send: server.send, batchLines: 10, limitLines: 20 });
    expect(first.rejections.map((r) => r.line)).toEqual([4]);
    const rest = await importNdjson({ file, send: server.send, batchLines: 10 });
    expect(rest.counts.rejected).toBe(1);
    expect(rest.totalCounts.rejected).toBe(2);
    expect(rest.rejections.map((r) => [r.line, r.errors[0].message.slice(0, 8)])).toEqual([
      [4, 'is requi'],
      [25, 'not JSON'],
    ]);
  });

  it('after a failure mid-way, resumes from the last acknowledged batch (nothing lost, nothing counted twice)', async () => {
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => line(i + 1)).join('\n'));
    const server = new FakeServer();
    server.failAfterBatches = 2;
    await expect(importNdjson({ file, send: server.send, batchLines: 10 })).rejects.toThrow(
      'connection reset',
    );
    expect((await readCheckpoint(file))!.line).toBe(20);

    server.failAfterBatches = Infinity;
    const resumed = await importNdjson({ file, send: server.send, batchLines: 10 });
    expect(resumed.totalCounts).toEqual({ accepted: 50, duplicate: 0, rejected: 0 });
    expect(server.batches).toEqual([10, 10, 10, 10, 10]);
  });

  it('stops after the batch in flight when aborted', async () => {
    writeFileSync(file, Array.from({ length: 40 }, (_, i) => line(i + 1)).join('\n'));
    const server = new FakeServer();
    const controller = new AbortController();
    const summary = await importNdjson({
      file,
      batchLines: 10,
      signal: controller.signal,
      send: async (events) => {
        controller.abort();
        return server.send(events);
      },
    });
    expect(summary).toMatchObject({ complete: false, stoppedBy: 'signal', line: 10 });
  });

  it('refuses to resume a file whose acknowledged part changed, and starts over with restart', async () => {
    writeFileSync(file, Array.from({ length: 20 }, (_, i) => line(i + 1)).join('\n') + '\n');
    const server = new FakeServer();
    await importNdjson({ file, send: server.send, batchLines: 5, limitLines: 10 });
    // Appending is fine: the acknowledged prefix is unchanged.
    appendFileSync(file, line(21) + '\n');
    expect((await readCheckpoint(file))!.line).toBe(10);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"e3"', '"E3"'));
    const error = await importNdjson({ file, send: server.send }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toContain('changed since the checkpoint at line 10');

    const again = await importNdjson({ file, send: server.send, restart: true });
    expect(again).toMatchObject({ resumedAfterLine: 0, complete: true, line: 21 });
    expect(again.counts).toEqual({ accepted: 12, duplicate: 9, rejected: 0 });
  });

  it('handles lines longer than a read chunk and multi-byte characters split across chunks', async () => {
    const big = JSON.stringify({ source: 's', eventId: 'big', pad: 'ü'.repeat(300_000) });
    writeFileSync(file, `${line(1)}\n${big}\n${line(2)}\n`);
    const server = new FakeServer();
    const summary = await importNdjson({ file, send: server.send, batchLines: 1 });
    expect(summary.counts.accepted).toBe(3);
    expect(server.seen.has('s/big')).toBe(true);
  });
});
