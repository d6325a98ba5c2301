import { DoraGranularity } from './dto/dora-metrics-filter.input.js';

export const MAX_BUCKETS = 1100;

const APPROXIMATE_DAYS: Record<DoraGranularity, number> = {
  [DoraGranularity.DAY]: 1,
  [DoraGranularity.WEEK]: 7,
  [DoraGranularity.MONTH]: 28,
};

export type FilterProblem =
  | { readonly kind: 'ORDER'; readonly message: string }
  | { readonly kind: 'TIMEZONE'; readonly message: string }
  | { readonly kind: 'TOO_MANY_BUCKETS'; readonly buckets: number };

/** Whether `zone` is an IANA timezone name (Area/Location, or UTC) that the runtime knows. */
export function isIanaTimezone(zone: string): boolean {
  if (!/^(UTC|Etc\/[A-Za-z0-9+-]+|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+){1,2})$/.test(zone))
    return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with a report window, or null. Pure. */
export function checkWindow(input: {
  readonly from: Date;
  readonly to: Date;
  readonly timezone: string;
  readonly granularity: DoraGranularity;
}): FilterProblem | null {
  if (input.from.getTime() > input.to.getTime()) {
    return { kind: 'ORDER', message: '`from` must not be after `to`' };
  }
  if (!isIanaTimezone(input.timezone)) {
    return {
      kind: 'TIMEZONE',
      message: `unknown timezone ${JSON.stringify(input.timezone)}: give an IANA name such as Europe/Berlin or UTC`,
    };
  }
  const buckets = approximateBuckets(input);
  if (buckets > MAX_BUCKETS) return { kind: 'TOO_MANY_BUCKETS', buckets };
  return null;
}

/** About how many calendar buckets a window holds (at least 1; the last may be partial). */
export function approximateBuckets(input: {
  readonly from: Date;
  readonly to: Date;
  readonly granularity: DoraGranularity;
}): number {
  const days = Math.max(0, input.to.getTime() - input.from.getTime()) / 86_400_000;
  return Math.ceil(days / APPROXIMATE_DAYS[input.granularity]) + 1;
}
