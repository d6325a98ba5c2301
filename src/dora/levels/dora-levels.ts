/**
 * DORA performance levels as versioned data. A benchmark set maps each metric onto ELITE / HIGH /
 * MEDIUM / LOW through contiguous bands; `classify` (level.rule.ts) reads them. Add a set by adding
 * a file here and a line in BENCHMARK_SETS; never edit a published set (reports carry its id).
 */
export type DoraLevel = 'ELITE' | 'HIGH' | 'MEDIUM' | 'LOW';

export type DoraMetricKey =
  | 'deploymentFrequency'
  | 'changeLeadTime'
  | 'changeFailureRate'
  | 'failedDeploymentRecoveryTime'
  | 'deploymentReworkRate';

/**
 * Bands from best to worst. `direction: 'higher'` (deployments per day): a value >= `min` gets that
 * level; `direction: 'lower'` (durations, ratios): a value below `max` (or at most `max` when
 * `inclusive`) gets it. The last band has no bound.
 */
export type LevelBands =
  | {
      readonly direction: 'higher';
      readonly input: string;
      readonly bands: readonly {
        readonly level: DoraLevel;
        readonly min?: number;
        readonly label: string;
      }[];
    }
  | {
      readonly direction: 'lower';
      readonly input: string;
      readonly inclusive: boolean;
      readonly bands: readonly {
        readonly level: DoraLevel;
        readonly max?: number;
        readonly label: string;
      }[];
    };

export interface BenchmarkSet {
  readonly id: string;
  readonly report: string;
  readonly year: number;
  readonly url: string;
  /** How the published clusters were turned into contiguous bands, and what is not covered. */
  readonly note: string;
  readonly metrics: Partial<Record<DoraMetricKey, LevelBands>>;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Accelerate State of DevOps Report 2023 (DORA), software delivery performance clusters:
 * elite "on demand, less than one day, 5%, less than one hour"; high "between once per day and once
 * per week, between one day and one week, 10%, less than one day"; medium "between once per week
 * and once per month, between one week and one month, 15%, between one day and one week"; low
 * below those. The clusters overlap (the report's low cluster deploys as often as medium), so the
 * bands are made contiguous the way Apache DevLake's `dora_benchmarks` 2023 set does
 * (backend/plugins/dora/models/migrationscripts/20240223_add_dora_2023_benchmark.go).
 */
export const DORA_2023: BenchmarkSet = {
  id: 'dora-2023',
  report: 'Accelerate State of DevOps Report 2023 (DORA)',
  year: 2023,
  url: 'https://dora.dev/research/2023/dora-report/',
  note:
    'Contiguous bands from the 2023 performance clusters, as in Apache DevLake. "On demand" is read ' +
    'as at least one deployment per day on average, "once per month" as 12 per year. The 2023 ' +
    'report publishes no levels for deployment rework rate (added in 2024), so it has none here.',
  metrics: {
    deploymentFrequency: {
      direction: 'higher',
      input: 'deployments per day',
      bands: [
        { level: 'ELITE', min: 1, label: 'On demand (at least daily)' },
        { level: 'HIGH', min: 1 / 7, label: 'Between once per day and once per week' },
        { level: 'MEDIUM', min: 12 / 365, label: 'Between once per week and once per month' },
        { level: 'LOW', label: 'Fewer than once per month' },
      ],
    },
    changeLeadTime: {
      direction: 'lower',
      input: 'p50 seconds',
      inclusive: false,
      bands: [
        { level: 'ELITE', max: DAY, label: 'Less than one day' },
        { level: 'HIGH', max: 7 * DAY, label: 'Between one day and one week' },
        { level: 'MEDIUM', max: 30 * DAY, label: 'Between one week and one month' },
        { level: 'LOW', label: 'More than one month' },
      ],
    },
    changeFailureRate: {
      direction: 'lower',
      input: 'ratio',
      inclusive: true,
      bands: [
        { level: 'ELITE', max: 0.05, label: '0-5%' },
        { level: 'HIGH', max: 0.1, label: '5-10%' },
        { level: 'MEDIUM', max: 0.15, label: '10-15%' },
        { level: 'LOW', label: 'More than 15%' },
      ],
    },
    failedDeploymentRecoveryTime: {
      direction: 'lower',
      input: 'p50 seconds',
      inclusive: false,
      bands: [
        { level: 'ELITE', max: HOUR, label: 'Less than one hour' },
        { level: 'HIGH', max: DAY, label: 'Less than one day' },
        { level: 'MEDIUM', max: 7 * DAY, label: 'Between one day and one week' },
        { level: 'LOW', label: 'More than one week' },
      ],
    },
  },
};

export const BENCHMARK_SETS: readonly BenchmarkSet[] = [DORA_2023];
export const DEFAULT_BENCHMARK_SET = DORA_2023;
