/**
 * The exact one-sided conditional binomial test used to compare the bad-event share of the new
 * version with its baseline (rollback-anchors.md §5.3 step 3). Given k_c bad of n_c on the canary
 * and k_b bad of n_b on the baseline, under H0 ("both have the same bad ratio") the canary's share
 * of the k_c + k_b bad events is Binomial(k_c + k_b, n_c / (n_c + n_b)); the p-value is
 * P(X >= k_c). Valid with zeros and small counts, unlike rank tests on per-step series.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the approximation accurate near 0.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln C(n, k) for integers 0 <= k <= n. */
export function logChoose(n: number, k: number): number {
  if (k === 0 || k === n) return 0;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X >= k) for X ~ Binomial(n, p), exactly (summed in log space, no normal approximation). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`binomialUpperTail needs integer counts, got k=${k} n=${n}`);
  }
  if (p < 0 || p > 1 || Number.isNaN(p)) throw new RangeError(`probability out of range: ${p}`);
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const logTerm = (i: number): number => logChoose(n, i) + i * logP + (n - i) * logQ;
  // Sum the smaller side for accuracy: the upper tail directly, or 1 - lower tail.
  const mean = n * p;
  if (k > mean) {
    const first = logTerm(k);
    let sum = 0;
    for (let i = k; i <= n; i++) {
      const term = Math.exp(logTerm(i) - first);
      sum += term;
      if (term < 1e-17 * sum) break; // terms decrease past the mode
    }
    return Math.min(1, Math.exp(first + Math.log(sum)));
  }
  let lower = 0;
  for (let i = 0; i < k; i++) lower += Math.exp(logTerm(i));
  return Math.min(1, Math.max(0, 1 - lower));
}

export interface ConditionalBinomialInput {
  /** Bad events and total events of the new version (canary). */
  readonly canaryBad: number;
  readonly canaryTotal: number;
  /** Bad events and total events of the baseline. */
  readonly baselineBad: number;
  readonly baselineTotal: number;
}

/**
 * One-sided p-value that the canary's bad ratio exceeds the baseline's. Counts are rounded to
 * integers (counters read at window boundaries are whole; expected-value simulations and
 * OTel counters of fractional increments are not). Returns 1 when there is nothing to compare
 * (no bad events at all, or an empty side).
 */
export function conditionalBinomialPValue(input: ConditionalBinomialInput): number {
  const kc = Math.round(input.canaryBad);
  const kb = Math.round(input.baselineBad);
  const nc = input.canaryTotal;
  const nb = input.baselineTotal;
  if (nc <= 0 || nb <= 0 || kc <= 0) return 1;
  const p0 = nc / (nc + nb);
  return binomialUpperTail(kc, kc + Math.max(0, kb), p0);
}
