import { WriteCoalescer, type CoalescerOptions } from './write-coalescer.js';

/** A coalescer over jobs that are lists of numbers; `run` records each run's jobs. */
function setup(overrides: Partial<CoalescerOptions<number[], number[]>> = {}) {
  const runs: number[][][] = [];
  const gates: (() => void)[] = [];
  const coalescer = new WriteCoalescer<number[], number[]>({
    maxConcurrent: 1,
    maxSize: 5,
    size: (job) => job.length,
    run: async (jobs) => {
      runs.push(jobs.map((j) => [...j]));
      await new Promise<void>((release) => gates.push(release));
      return jobs.map((j) => j.map((n) => n * 10));
    },
    sharedFailure: () => false,
    ...overrides,
  });
  const releaseAll = async () => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { coalescer, runs, releaseAll };
}

describe('WriteCoalescer', () => {
  it('runs an idle write at once, alone', async () => {
    const { coalescer, runs, releaseAll } = setup();
    const result = coalescer.submit([1]);
    expect(runs).toEqual([[[1]]]);
    await releaseAll();
    await expect(result).resolves.toEqual([10]);
  });

  it('merges the writes that waited into one run, each caller getting its own result', async () => {
    const { coalescer, runs, releaseAll } = setup();
    const first = coalescer.submit([1]);
    const waiting = [coalescer.submit([2]), coalescer.submit([3, 4]), coalescer.submit([5])];
    const drained = Promise.all([first, ...waiting]);
    await releaseAll();
    expect(runs).toEqual([[[1]], [[2], [3, 4], [5]]]);
    await expect(drained).resolves.toEqual([[10], [20], [30, 40], [50]]);
  });

  it('never merges past maxSize, and runs a larger job alone', async () => {
    const { coalescer, runs, releaseAll } = setup();
    const all = Promise.all([
      coalescer.submit([0]),
      coalescer.submit([1, 2, 3]),
      coalescer.submit([4, 5]),
      coalescer.submit([6, 7, 8, 9, 10, 11]),
      coalescer.submit([12]),
    ]);
    await releaseAll();
    await all;
    expect(runs).toEqual([
      [[0]],
      [
        [1, 2, 3],
        [4, 5],
      ],
      [[6, 7, 8, 9, 10, 11]],
      [[12]],
    ]);
  });

  it('keeps at most maxConcurrent runs going', async () => {
    const { coalescer, runs, releaseAll } = setup({ maxConcurrent: 2 });
    const all = Promise.all([1, 2, 3, 4].map((n) => coalescer.submit([n])));
    expect(runs).toEqual([[[1]], [[2]]]);
    await releaseAll();
    await all;
    expect(runs).toEqual([[[1]], [[2]], [[3], [4]]]);
  });

  it('when a merged run fails, runs each job alone so that only the bad one fails', async () => {
    const runs: number[][][] = [];
    const coalescer = new WriteCoalescer<number[], number[]>({
      maxConcurrent: 1,
      maxSize: 10,
      size: (job) => job.length,
      run: async (jobs) => {
        runs.push([...jobs]);
        await new Promise((r) => setImmediate(r));
        if (jobs.some((j) => j.includes(13))) throw new Error('unlucky');
        return jobs.map((j) => j.map((n) => n + 1));
      },
      sharedFailure: () => false,
    });
    const results = await Promise.allSettled([
      coalescer.submit([1]),
      coalescer.submit([2]),
      coalescer.submit([13]),
      coalescer.submit([4]),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(results[3]).toEqual({ status: 'fulfilled', value: [5] });
    expect(runs).toEqual([[[1]], [[2], [13], [4]], [[2]], [[13]], [[4]]]);
  });

  it('fails every merged job at once on a shared failure (no retry one by one)', async () => {
    let calls = 0;
    const coalescer = new WriteCoalescer<number[], number[]>({
      maxConcurrent: 1,
      maxSize: 10,
      size: (job) => job.length,
      run: async () => {
        calls++;
        await new Promise((r) => setImmediate(r));
        throw new Error('database down');
      },
      sharedFailure: (e) => (e as Error).message === 'database down',
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => coalescer.submit([n])));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(2); // [1] alone, then [2], [3] merged: no third run
  });
});
