import {
  binomialUpperTail,
  conditionalBinomialPValue,
  logChoose,
  logGamma,
} from './binomial.calculator.js';

/** Reference values computed exactly with rational arithmetic (Python fractions + math.comb). */
const EXACT: [k: number, n: number, p: number, tail: number][] = [
  [6, 24, 0.1, 0.02765828447069797],
  [15, 60, 0.1, 0.000665663848001487],
  [10, 10, 0.5, 0.0009765625],
  [5, 10, 0.5, 0.623046875],
  [3, 20, 0.25, 0.9087395675351218],
  [40, 100, 0.25, 0.0006865922079629911],
  [150, 1000, 0.1, 4.4894428594500086e-7],
  [30, 120, 0.1, 1.8921509725873416e-6],
];

describe('binomial calculator', () => {
  it('computes ln Γ at integers and half-integers', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 8);
    expect(Math.exp(logChoose(24, 6))).toBeCloseTo(134596, 6);
  });

  it.each(EXACT)('P(X >= %i | Bin(%i, %f)) matches the exact value', (k, n, p, tail) => {
    const got = binomialUpperTail(k, n, p);
    expect(Math.abs(got - tail) / tail).toBeLessThan(1e-9);
  });

  it('handles the edges', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    expect(binomialUpperTail(1, 10, 0)).toBe(0);
    expect(binomialUpperTail(10, 10, 1)).toBe(1);
    expect(() => binomialUpperTail(1.5, 10, 0.3)).toThrow(RangeError);
    expect(() => binomialUpperTail(1, 10, 1.3)).toThrow(RangeError);
  });

  it('stays accurate for large counts', () => {
    // Bin(20000, 0.5): P(X >= 10000) = 0.5 + P(X = 10000)/2.
    const pmf = Math.exp(logChoose(20000, 10000) - 20000 * Math.log(2));
    expect(binomialUpperTail(10000, 20000, 0.5)).toBeCloseTo(0.5 + pmf / 2, 9);
    expect(binomialUpperTail(12000, 20000, 0.5)).toBeLessThan(1e-100);
  });

  it('gives the §5.7 scenario 2 p-value (6 of 1k canary vs 18 of 9k baseline)', () => {
    const p = conditionalBinomialPValue({
      canaryBad: 6,
      canaryTotal: 1000,
      baselineBad: 18,
      baselineTotal: 9000,
    });
    expect(p).toBeCloseTo(0.0277, 3);
  });

  it('works with a zero baseline and returns 1 when there is nothing to compare', () => {
    const zeroBaseline = conditionalBinomialPValue({
      canaryBad: 8,
      canaryTotal: 100,
      baselineBad: 0,
      baselineTotal: 900,
    });
    expect(zeroBaseline).toBeCloseTo(1e-8, 12);
    expect(
      conditionalBinomialPValue({
        canaryBad: 0,
        canaryTotal: 100,
        baselineBad: 5,
        baselineTotal: 9,
      }),
    ).toBe(1);
    expect(
      conditionalBinomialPValue({ canaryBad: 3, canaryTotal: 0, baselineBad: 5, baselineTotal: 9 }),
    ).toBe(1);
  });
});
