/**
 * Group commit. Writes submitted while `maxConcurrent` others are running wait, and the next free
 * slot takes all waiting ones (up to `maxSize` units) as ONE run: a hundred concurrent single-event
 * requests cost a handful of transactions instead of a hundred, and the database sees at most
 * `maxConcurrent` writers whatever the load. An idle coalescer runs a write at once (no timer, no
 * added latency).
 *
 * Should a merged run fail, each of its jobs is run alone, so that one job's failure is its own;
 * an error that every job would meet alike (`sharedFailure`: the database is down) fails them all
 * at once instead.
 */
export interface CoalescerOptions<J, R> {
  /** Writers at once. */
  readonly maxConcurrent: number;
  /** The most units (see `size`) one run merges; a larger job runs alone. */
  readonly maxSize: number;
  readonly size: (job: J) => number;
  /** Runs the jobs as one write; returns one result per job, in order. */
  readonly run: (jobs: readonly J[]) => Promise<R[]>;
  readonly sharedFailure: (error: unknown) => boolean;
}

interface Waiting<J, R> {
  readonly job: J;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class WriteCoalescer<J, R> {
  private readonly queue: Waiting<J, R>[] = [];
  private running = 0;

  constructor(private readonly options: CoalescerOptions<J, R>) {}

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const taken = this.take();
      this.running++;
      void this.execute(taken).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** The waiting jobs of the next run: at least one, then as many as fit in maxSize. */
  private take(): Waiting<J, R>[] {
    const taken = [this.queue.shift()!];
    let size = this.options.size(taken[0].job);
    while (this.queue.length > 0) {
      const next = this.options.size(this.queue[0].job);
      if (size + next > this.options.maxSize) break;
      size += next;
      taken.push(this.queue.shift()!);
    }
    return taken;
  }

  private async execute(taken: readonly Waiting<J, R>[]): Promise<void> {
    try {
      const results = await this.options.run(taken.map((w) => w.job));
      taken.forEach((w, i) => w.resolve(results[i]));
    } catch (error) {
      if (taken.length === 1 || this.options.sharedFailure(error)) {
        for (const w of taken) w.reject(error);
        return;
      }
      for (const w of taken) {
        try {
          const [result] = await this.options.run([w.job]);
          w.resolve(result);
        } catch (alone) {
          w.reject(alone);
        }
      }
    }
  }
}
