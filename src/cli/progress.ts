/**
 * A progress bar for long imports: on a terminal one line rewritten in place; otherwise (CI logs)
 * a plain line at most every `plainIntervalMs`, so logs stay readable.
 */
import { formatCount, type Writer } from './output.js';

export interface ProgressState {
  readonly done: number;
  readonly total: number;
  /** e.g. `12,000 lines  accepted 11,990  duplicate 10  rejected 0` */
  readonly detail: string;
}

export function renderBar(state: ProgressState, elapsedMs: number, width = 24): string {
  const ratio = state.total > 0 ? Math.min(1, state.done / state.total) : 1;
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  let eta = '';
  if (ratio > 0 && ratio < 1 && elapsedMs > 1000) {
    const remaining = Math.round(((elapsedMs / ratio) * (1 - ratio)) / 1000);
    eta = `  eta ${remaining >= 60 ? `${Math.floor(remaining / 60)}m${String(remaining % 60).padStart(2, '0')}s` : `${remaining}s`}`;
  }
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}  ${state.detail}${eta}`;
}

export class ProgressBar {
  private readonly started: number;
  private lastPlain = 0;
  private lastState?: ProgressState;
  private lastPrinted?: ProgressState;

  constructor(
    private readonly out: Writer,
    private readonly isTty: boolean,
    private readonly clock: () => number = Date.now,
    private readonly plainIntervalMs = 5_000,
  ) {
    this.started = clock();
  }

  update(state: ProgressState): void {
    this.lastState = state;
    const now = this.clock();
    if (this.isTty) {
      this.out.write(`\r${renderBar(state, now - this.started)}\x1b[K`);
    } else if (now - this.lastPlain >= this.plainIntervalMs) {
      this.lastPlain = now;
      this.lastPrinted = state;
      this.out.write(`${renderBar(state, now - this.started)}\n`);
    }
  }

  /** Ends the bar: on a terminal, the last state stays on its own line. */
  finish(): void {
    if (this.isTty && this.lastState) this.out.write('\n');
    else if (!this.isTty && this.lastState && this.lastState !== this.lastPrinted) {
      this.out.write(`${renderBar(this.lastState, this.clock() - this.started)}\n`);
    }
  }
}

export function countsDetail(
  line: number,
  c: { accepted: number; duplicate: number; rejected: number },
): string {
  return `${formatCount(line)} lines  accepted ${formatCount(c.accepted)}  duplicate ${formatCount(c.duplicate)}  rejected ${formatCount(c.rejected)}`;
}
