import type { IndustryFigure, QuickCheckEdition } from './quick-check-2025.js';

/**
 * The DORA Quick Check's scoring applied to measured figures instead of survey answers. Pure.
 *
 * A duration or a frequency is first turned into the answer a team would tick (1 worst - 6 best,
 * the Quick Check's own scales), then scored as the Quick Check scores it: (answer − 1) × 2, so
 * 0-10. A rate is a percentage, scored 10 − percentage / 10. Throughput is the mean of the lead
 * time, frequency and recovery scores, stability the mean of change failure and rework, performance
 * the mean of all five — each over the figures that exist (the Quick Check scores a question left
 * unanswered as 0 or 10 depending on its kind; a figure Shipwatch could not measure is left out
 * instead, and an aggregate of nothing is null).
 */
export interface QuickCheckInput {
  readonly deploymentsPerDay: number | null;
  readonly leadTimeP50Seconds: number | null;
  readonly recoveryP50Seconds: number | null;
  /** Ratios, 0-1. */
  readonly changeFailureRate: number | null;
  readonly reworkRate: number | null;
}

export interface QuickCheckFigure {
  /** The Quick Check answer: 1-6 for frequency and durations, a percentage for rates. */
  readonly answer: number | null;
  readonly answerLabel: string | null;
  readonly score: number | null;
  readonly industryMean: number;
  readonly industryStd: number;
}

export interface QuickCheckAggregate {
  readonly score: number | null;
  readonly industryMean: number;
  readonly industryStd: number;
}

export interface QuickCheckScores {
  readonly edition: string;
  readonly title: string;
  readonly url: string;
  readonly industry: string;
  readonly deploymentFrequency: QuickCheckFigure;
  readonly changeLeadTime: QuickCheckFigure;
  readonly failedDeploymentRecoveryTime: QuickCheckFigure;
  readonly changeFailureRate: QuickCheckFigure;
  readonly deploymentReworkRate: QuickCheckFigure;
  readonly throughput: QuickCheckAggregate;
  readonly stability: QuickCheckAggregate;
  readonly performance: QuickCheckAggregate;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const SIX_MONTHS = 6 * MONTH;

/** The Quick Check's lead time and recovery answers, worst first (answer = index + 1). */
export const DURATION_ANSWERS = [
  'More than six months',
  'One to six months',
  'One week to one month',
  'One day to one week',
  'Less than one day',
  'Less than one hour',
] as const;

/** The Quick Check's deployment frequency answers, worst first. */
export const FREQUENCY_ANSWERS = [
  'Less than once per six months',
  'Between once per month and once every six months',
  'Between once per week and once per month',
  'Between once per day and once per week',
  'Between once per hour and once per day',
  'On demand (multiple deploys per day)',
] as const;

/**
 * A p50 duration in seconds as the Quick Check's answer, best first: the first step whose bound
 * the value stays under (or at, for `atMost`) gives the answer; longer than every bound is 1.
 */
export const DURATION_STEPS: readonly { answer: number; below?: number; atMost?: number }[] = [
  { answer: 6, below: HOUR },
  { answer: 5, below: DAY },
  { answer: 4, below: WEEK },
  { answer: 3, below: MONTH },
  { answer: 2, atMost: SIX_MONTHS },
];

/**
 * Deployments per day as the Quick Check's answer, best first: the first step whose minimum the
 * value reaches; fewer than every minimum is 1. Its two best answers overlap ("between once per
 * hour and once per day", "on demand (multiple deploys per day)"): a team that deploys several
 * times a day ticks the second, so two or more a day on average is 6 and one to two is 5.
 */
export const FREQUENCY_STEPS: readonly { answer: number; min: number }[] = [
  { answer: 6, min: 2 },
  { answer: 5, min: 1 },
  { answer: 4, min: 1 / 7 },
  { answer: 3, min: 1 / 30 },
  { answer: 2, min: 1 / 180 },
];

export function durationAnswer(seconds: number): number {
  const step = DURATION_STEPS.find((s) =>
    s.below !== undefined ? seconds < s.below : seconds <= s.atMost!,
  );
  return step?.answer ?? 1;
}

export function frequencyAnswer(perDay: number): number {
  return FREQUENCY_STEPS.find((s) => perDay >= s.min)?.answer ?? 1;
}

/** The Quick Check's recode_numeric_range(answer, 1, 6, 0, 10). */
export const answerScore = (answer: number): number => ((answer - 1) / 5) * 10;

/** The Quick Check's recode_numeric_range(percentage, 0, 100, 10, 0). */
export const percentageScore = (percentage: number): number =>
  10 - Math.min(100, Math.max(0, percentage)) / 10;

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

function categorical(
  value: number | null,
  toAnswer: (v: number) => number,
  labels: readonly string[],
  industry: IndustryFigure,
): QuickCheckFigure {
  const answer = finite(value) ? toAnswer(value) : null;
  return {
    answer,
    answerLabel: answer === null ? null : labels[answer - 1],
    score: answer === null ? null : answerScore(answer),
    industryMean: industry.mean,
    industryStd: industry.std,
  };
}

function percentage(ratio: number | null, industry: IndustryFigure): QuickCheckFigure {
  const answer = finite(ratio) ? ratio * 100 : null;
  return {
    answer,
    answerLabel: answer === null ? null : `${Math.round(answer * 10) / 10}%`,
    score: answer === null ? null : percentageScore(answer),
    industryMean: industry.mean,
    industryStd: industry.std,
  };
}

function aggregate(figures: readonly QuickCheckFigure[], industry: IndustryFigure) {
  const scores = figures.map((f) => f.score).filter(finite);
  return {
    score: scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length,
    industryMean: industry.mean,
    industryStd: industry.std,
  };
}

export function quickCheckScores(
  edition: QuickCheckEdition,
  input: QuickCheckInput,
): QuickCheckScores {
  const m = edition.industryMeans;
  const deploymentFrequency = categorical(
    input.deploymentsPerDay,
    frequencyAnswer,
    FREQUENCY_ANSWERS,
    m.deploymentFrequency,
  );
  const changeLeadTime = categorical(
    input.leadTimeP50Seconds,
    durationAnswer,
    DURATION_ANSWERS,
    m.changeLeadTime,
  );
  const failedDeploymentRecoveryTime = categorical(
    input.recoveryP50Seconds,
    durationAnswer,
    DURATION_ANSWERS,
    m.failedDeploymentRecoveryTime,
  );
  const changeFailureRate = percentage(input.changeFailureRate, m.changeFailureRate);
  const deploymentReworkRate = percentage(input.reworkRate, m.deploymentReworkRate);
  return {
    edition: edition.id,
    title: edition.title,
    url: edition.url,
    industry: edition.industry,
    deploymentFrequency,
    changeLeadTime,
    failedDeploymentRecoveryTime,
    changeFailureRate,
    deploymentReworkRate,
    throughput: aggregate(
      [changeLeadTime, deploymentFrequency, failedDeploymentRecoveryTime],
      m.throughput,
    ),
    stability: aggregate([changeFailureRate, deploymentReworkRate], m.stability),
    performance: aggregate(
      [
        changeLeadTime,
        deploymentFrequency,
        failedDeploymentRecoveryTime,
        changeFailureRate,
        deploymentReworkRate,
      ],
      m.performance,
    ),
  };
}
