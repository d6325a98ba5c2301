/**
 * `shipwatch import <file.ndjson>`: backfill history. Each line is one EventInput of
 * `ingestEvents` ({"deployment": {...}}, {"pipelineRun": {...}}, {"change": {...}} or
 * {"incident": {...}}). Lines are sent in batches of at most 1000; a checkpoint next to the file
 * makes an interrupted import resume where it stopped, and (source, eventId) makes it idempotent.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parsePositiveInt } from '../args.js';
import { sendSeparatingInvalid } from '../batch-rejections.js';
import { CliError, ExitCode } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import {
  checkpointPath,
  ImportError,
  importNdjson,
  MAX_BATCH_LINES,
  type ImportSummary,
  type LineOutcome,
} from '../ndjson-import.js';
import { INGEST_EVENTS, type IngestOutcome } from '../operations.js';
import { formatCount } from '../output.js';
import { countsDetail, ProgressBar } from '../progress.js';

export const EVENT_KINDS = ['pipelineRun', 'deployment', 'change', 'incident'] as const;

/**
 * Checks one line's shape and fills what the CLI can: `source` from --source, and, when the line
 * has no `eventId`, a hash of its content (so that importing it again is still a DUPLICATE).
 */
export function prepareEvent(value: unknown, defaultSource: string | undefined): unknown {
  const record = value as Record<string, unknown>;
  const kinds = Object.keys(record).filter((k) => (EVENT_KINDS as readonly string[]).includes(k));
  const unknown = Object.keys(record).filter(
    (k) => !(EVENT_KINDS as readonly string[]).includes(k),
  );
  if (kinds.length !== 1 || unknown.length > 0) {
    return `expected exactly one of ${EVENT_KINDS.join(', ')}${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`;
  }
  const kind = kinds[0];
  const event = record[kind];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return `${kind} must be an object`;
  }
  const fields = { ...(event as Record<string, unknown>) };
  if (fields.source === undefined || fields.source === null) {
    if (!defaultSource) return `${kind}.source is missing (or pass --source)`;
    fields.source = defaultSource;
  }
  if (fields.eventId === undefined || fields.eventId === null) {
    fields.eventId = `sha256:${createHash('sha256')
      .update(canonicalJson({ [kind]: event }))
      .digest('hex')}`;
  }
  return { [kind]: fields };
}

/** JSON with sorted keys, so that the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function describe(summary: ImportSummary): string {
  const c = summary.counts;
  const lines = [
    `${summary.complete ? 'imported' : 'stopped'} ${summary.file}: ${formatCount(summary.line)} lines; this run: accepted ${formatCount(c.accepted)}, duplicate ${formatCount(c.duplicate)}, rejected ${formatCount(c.rejected)}`,
  ];
  if (summary.resumedAfterLine > 0) {
    const t = summary.totalCounts;
    lines.push(
      `resumed after line ${formatCount(summary.resumedAfterLine)}; all runs: accepted ${formatCount(t.accepted)}, duplicate ${formatCount(t.duplicate)}, rejected ${formatCount(t.rejected)}`,
    );
  }
  if (!summary.complete) {
    lines.push(
      `${summary.stoppedBy === 'limit' ? 'stopped at --limit' : 'interrupted'} after line ${formatCount(summary.line)}; run the same command again to resume (checkpoint ${summary.checkpointFile})`,
    );
  }
  if (summary.rejections.length > 0) {
    lines.push(
      summary.resumedAfterLine > 0 ? 'rejected lines (all runs of this file):' : 'rejected lines:',
    );
    for (const r of summary.rejections.slice(0, 20)) {
      lines.push(
        `  line ${r.line}: ${r.errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join('; ')}`,
      );
    }
    const more = summary.totalCounts.rejected - Math.min(20, summary.rejections.length);
    if (more > 0) lines.push(`  ... and ${formatCount(more)} more (see --json)`);
  }
  return lines.join('\n');
}

export const importCommand = defineCommand({
  path: ['import'],
  summary: 'Backfill history from an NDJSON file (idempotent, resumable)',
  description: [
    'Each line is one event as in the ingestEvents mutation: {"deployment": {...}}, {"pipelineRun": {...}},',
    '{"change": {...}} or {"incident": {...}}, with "source" and "eventId" (a line without eventId gets a',
    'hash of its content). Events already stored come back DUPLICATE, so importing a file twice is safe.',
    'Progress is checkpointed in <file>.progress after every batch: after an interruption, run the same',
    'command again and it resumes there. A line Shipwatch refuses (invalid JSON, a field the schema does not',
    'know, a value of the wrong type) is REJECTED alone, listed with its line number and the reason; every',
    'other line of its batch is stored. Exits 1 when a line of the file was REJECTED, in this run or in an',
    'earlier run that this one resumed.',
  ].join('\n'),
  positionals: [{ name: 'file', description: 'NDJSON file, one event per line' }],
  options: {
    'batch-size': {
      type: 'string',
      placeholder: '<n>',
      description: `Events per request, 1 to ${MAX_BATCH_LINES} (default ${MAX_BATCH_LINES})`,
    },
    limit: {
      type: 'string',
      placeholder: '<n>',
      description: 'Stop after this many lines (the checkpoint stays; run again to continue)',
    },
    restart: {
      type: 'boolean',
      description: 'Ignore an existing checkpoint and start from line 1',
    },
    source: {
      type: 'string',
      placeholder: '<source>',
      description: 'Source for lines that have none',
    },
  },
  examples: [
    'shipwatch import history.ndjson',
    'shipwatch import history.ndjson --batch-size 200 --json',
  ],
  async run(inv) {
    const v = inv.values;
    const file = isAbsolute(inv.positionals[0])
      ? inv.positionals[0]
      : join(inv.ctx.cwd, inv.positionals[0]);
    const batchLines = v['batch-size']
      ? parsePositiveInt('--batch-size', v['batch-size'], MAX_BATCH_LINES)
      : MAX_BATCH_LINES;
    const limitLines = v.limit ? parsePositiveInt('--limit', v.limit) : undefined;
    const client = inv.client();
    const bar = new ProgressBar(inv.ctx.stderr, inv.ctx.stderr.isTTY === true);
    const sendBatch = async (events: readonly unknown[]): Promise<LineOutcome[]> => {
      const data = await client.request<{ ingestEvents: IngestOutcome[] }>(INGEST_EVENTS, {
        events,
      });
      const byIndex = new Map(data.ingestEvents.map((o, i) => [o.index ?? i, o]));
      return events.map((_, i) => {
        const o = byIndex.get(i);
        if (!o)
          throw new CliError(
            ExitCode.FAILURE,
            `no outcome for event ${i} of a batch`,
            'BAD_RESPONSE',
          );
        return { result: o.result, errors: o.errors };
      });
    };
    // A line the schema refuses is rejected alone; the rest of its batch is stored.
    const send = (events: readonly unknown[]): Promise<LineOutcome[]> =>
      sendSeparatingInvalid(events, sendBatch);
    let summary: ImportSummary;
    try {
      summary = await importNdjson({
        file,
        send,
        batchLines,
        limitLines,
        restart: v.restart === true,
        signal: inv.ctx.signal,
        prepare: (value) =>
          prepareEvent(value, v.source ?? (inv.ctx.env.SHIPWATCH_SOURCE || undefined)),
        onProgress: (p) =>
          bar.update({
            done: p.bytesDone,
            total: p.bytesTotal,
            detail: countsDetail(p.line, p.counts),
          }),
      });
    } catch (error) {
      bar.finish();
      if (error instanceof ImportError)
        throw new CliError(ExitCode.FAILURE, error.message, 'IMPORT_CHECKPOINT');
      if (error instanceof CliError && existsSync(checkpointPath(file))) {
        // The acknowledged batches are safe: say how to go on.
        throw new CliError(
          error.exitCode,
          `${error.message}; progress is saved in ${checkpointPath(file)}: run the same command again to resume`,
          error.code,
          error.details,
        );
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new CliError(ExitCode.USAGE, `${inv.positionals[0]}: no such file`, 'USAGE');
      }
      throw error;
    }
    bar.finish();
    inv.result(describe(summary), summary);
    if (summary.stoppedBy === 'signal') return ExitCode.INTERRUPTED;
    // A resumed import fails too when an earlier run of the same file rejected lines.
    return summary.totalCounts.rejected > 0 ? ExitCode.FAILURE : ExitCode.OK;
  },
});
