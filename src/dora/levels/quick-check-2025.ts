/**
 * DORA Quick Check, 2025 edition, as published by DORA in dora-team/dora.dev (commit fcaf07b4,
 * 2026-06-26): the answer scales of svelte/quick-check/src/lib/data/metrics_question_responses.json,
 * the scoring of svelte/quick-check/src/lib/data-service.ts and the "All industries" means and
 * standard deviations of svelte/quick-check/src/lib/data/editions/2025/industry_metrics.json. The
 * published file states change failure, rework and instability as instability scores (high is
 * bad); the Quick Check turns them into 10 − mean before showing them, and so do these figures.
 * Never edit a published edition: add another.
 */
export interface IndustryFigure {
  readonly mean: number;
  readonly std: number;
}

export interface QuickCheckEdition {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  readonly industry: string;
  /** Every figure on the Quick Check's 0-10 scale, 10 the best. */
  readonly industryMeans: {
    readonly deploymentFrequency: IndustryFigure;
    readonly changeLeadTime: IndustryFigure;
    readonly failedDeploymentRecoveryTime: IndustryFigure;
    readonly changeFailureRate: IndustryFigure;
    readonly deploymentReworkRate: IndustryFigure;
    readonly throughput: IndustryFigure;
    readonly stability: IndustryFigure;
    readonly performance: IndustryFigure;
  };
}

// As published: instability scores, turned into stability scores below (the Quick Check's own
// transformMetrics does the same).
const PUBLISHED_ALL_INDUSTRIES = {
  leadtime: { mean: 5.5, std: 2.4 },
  deployfreq: { mean: 4.8, std: 2.8 },
  failurerecovery: { mean: 7.4, std: 2.1 },
  changefailure: { mean: 1.9, std: 2.1 },
  rework: { mean: 2.2, std: 2.2 },
  software_delivery_throughput: { mean: 6.0, std: 2.1 },
  software_delivery_instability: { mean: 2.1, std: 2.0 },
  performance_average: { mean: 4.3, std: 1.2 },
} as const;

const stability = (f: IndustryFigure): IndustryFigure => ({ mean: 10 - f.mean, std: f.std });
const p = PUBLISHED_ALL_INDUSTRIES;

export const QUICK_CHECK_2025: QuickCheckEdition = {
  id: 'dora-2025',
  title: 'DORA Quick Check, 2025 edition',
  url: 'https://dora.dev/quickcheck/',
  industry: 'All industries',
  industryMeans: {
    deploymentFrequency: p.deployfreq,
    changeLeadTime: p.leadtime,
    failedDeploymentRecoveryTime: p.failurerecovery,
    changeFailureRate: stability(p.changefailure),
    deploymentReworkRate: stability(p.rework),
    throughput: p.software_delivery_throughput,
    stability: stability(p.software_delivery_instability),
    // The Quick Check recomputes the mean as the average of the five "high is best" means (6.72);
    // the published standard deviation stays.
    performance: {
      mean:
        (p.leadtime.mean +
          p.deployfreq.mean +
          p.failurerecovery.mean +
          (10 - p.changefailure.mean) +
          (10 - p.rework.mean)) /
        5,
      std: p.performance_average.std,
    },
  },
};
