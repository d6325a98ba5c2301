/**
 * SLI templates are per-series counter expressions (docs/verification.md "Counting"): instant
 * PromQL whose every series is a cumulative counter of one target, such as
 * `http_server_request_duration_seconds_count{service_name="{{service}}",...}`. This file reads
 * them without a full PromQL parser — a scanner that knows strings, label matchers, label lists
 * (`on (...)`, `by (...)`) and identifiers is enough to find the vector selectors — and:
 *
 * - says what a template must not contain: range selectors or subqueries (`increase(x[5m])`),
 *   aggregations across series (`sum(...)` would hide a pod's counter reset), `offset` / `@`;
 * - recognises the templates of earlier releases (`increase(...[{{window}}])`) and converts the
 *   plain shapes (the old defaults, `sum(increase(<selector>[{{window}}]))` with or without
 *   `or vector(0)`); anything else is LEGACY_TEMPLATE;
 * - writes the queries Shipwatch sends: the counter's last value at an instant (each selector
 *   wrapped in `last_over_time(...[lookback])`, so that a target that missed scrapes keeps its last
 *   value instead of coming back as a "new" series), fresh samples in a window, the busiest series'
 *   raw samples (refresh interval), samples stamped in the future.
 * Pure: strings in, strings out.
 */
import { LEGACY_DEFAULT_TEMPLATES } from './default-slis.js';

export interface SelectorSpan {
  /** Offsets in the expression: [start, end). */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** The metric name (before the braces, or `__name__="..."`), null when unknown. */
  readonly metric: string | null;
}

export interface ScannedTemplate {
  readonly selectors: readonly SelectorSpan[];
  /** Why the expression is not a per-series counter expression (empty: it is). */
  readonly problems: readonly string[];
}

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
/** Keywords followed by a parenthesised label list, never by an expression. */
const LABEL_LISTS = new Set(['on', 'ignoring', 'group_left', 'group_right', 'by', 'without']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'atan2', 'inf', 'nan']);

const IDENT_START = /[a-zA-Z_:]/;
const IDENT = /[a-zA-Z0-9_:]/;

/** Index after the string literal starting at `i` (", ' or `). */
function skipString(s: string, i: number): number {
  const quote = s[i];
  let j = i + 1;
  while (j < s.length && s[j] !== quote) j += quote !== '`' && s[j] === '\\' ? 2 : 1;
  if (j >= s.length) throw new ScanError('unterminated string');
  return j + 1;
}

/** Index after the bracketed group opening at `i` ((, { or [), strings skipped. */
function skipGroup(s: string, i: number): number {
  const close = { '(': ')', '{': '}', '[': ']' }[s[i]];
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j];
    if (c === '"' || c === "'" || c === '`') {
      j = skipString(s, j);
      continue;
    }
    if (c === s[i]) depth++;
    else if (c === close && --depth === 0) return j + 1;
    j++;
  }
  throw new ScanError(`unbalanced ${s[i]}`);
}

const skipSpace = (s: string, i: number): number => {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
};

class ScanError extends Error {}

const NAME_MATCHER = /__name__\s*=\s*"((?:[^"\\]|\\.)*)"/;

export function scanCounterTemplate(expr: string): ScannedTemplate {
  const selectors: SelectorSpan[] = [];
  const problems = new Set<string>();
  const afterSelector = (j: number): void => {
    const k = skipSpace(expr, j);
    if (expr[k] === '[') {
      problems.add(
        'a range selector or subquery (`[...]`, as in increase()/rate()): a counter template is an instant expression, read at the window boundaries',
      );
    }
  };
  try {
    let i = 0;
    while (i < expr.length) {
      const c = expr[i];
      if (c === '"' || c === "'" || c === '`') {
        i = skipString(expr, i);
      } else if (c === '#') {
        while (i < expr.length && expr[i] !== '\n') i++;
      } else if (/[0-9.]/.test(c)) {
        while (i < expr.length && /[0-9a-zA-Z_.]/.test(expr[i])) i++;
      } else if (IDENT_START.test(c)) {
        let j = i;
        while (j < expr.length && IDENT.test(expr[j])) j++;
        const word = expr.slice(i, j);
        const lower = word.toLowerCase();
        const next = skipSpace(expr, j);
        if (LABEL_LISTS.has(lower)) {
          i = expr[next] === '(' ? skipGroup(expr, next) : j;
        } else if (lower === 'offset') {
          problems.add('`offset` reads another instant: windows are read at their boundaries');
          i = j;
        } else if (KEYWORDS.has(lower)) {
          i = j;
        } else if (AGGREGATIONS.has(lower) && /^[(]|^by\b|^without\b/i.test(expr.slice(next))) {
          problems.add(
            `\`${word}\` aggregates across series, which hides a pod's counter reset: give one series per target, Shipwatch adds them up`,
          );
          i = j;
        } else if (expr[next] === '(') {
          i = j; // a function call
        } else {
          const end = expr[next] === '{' ? skipGroup(expr, next) : j;
          selectors.push({ start: i, end, text: expr.slice(i, end), metric: word });
          afterSelector(end);
          i = end;
        }
      } else if (c === '{') {
        const end = skipGroup(expr, i);
        const text = expr.slice(i, end);
        selectors.push({ start: i, end, text, metric: NAME_MATCHER.exec(text)?.[1] ?? null });
        afterSelector(end);
        i = end;
      } else if (c === '[') {
        afterSelector(i);
        i = skipGroup(expr, i);
      } else if (c === '@') {
        problems.add('`@` reads another instant: windows are read at their boundaries');
        i++;
      } else {
        i++;
      }
    }
    for (const open of ['(', '{', '['] as const) {
      const close = { '(': ')', '{': '}', '[': ']' }[open];
      let depth = 0;
      for (const ch of withoutStrings(expr)) {
        if (ch === open) depth++;
        if (ch === close && --depth < 0) throw new ScanError(`unbalanced ${close}`);
      }
      if (depth !== 0) throw new ScanError(`unbalanced ${open}`);
    }
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    problems.add(`cannot read it: ${error.message}`);
  }
  if (selectors.length === 0 && problems.size === 0) problems.add('no metric selector');
  return { selectors, problems: [...problems] };
}

function withoutStrings(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] === '"' || s[i] === "'" || s[i] === '`') i = skipString(s, i);
    else out += s[i++];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Templates of earlier releases

const WINDOW = /\{\{\s*window\s*\}\}/;
const RANGE_FUNCTION = /\b(?:increase|rate|irate|delta|idelta)\s*\(/;
const SELECTOR = String.raw`[a-zA-Z_:][\w:]*\s*(?:\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\})?`;
const PLAIN_LEGACY = new RegExp(
  String.raw`^\s*sum\s*\(\s*increase\s*\(\s*(${SELECTOR})\s*\[\s*\{\{\s*window\s*\}\}\s*\]\s*\)\s*\)\s*(or\s+vector\s*\(\s*0\s*\))?\s*$`,
);

/** A stored SLI template, read: as it is, converted from an earlier form, or not usable. */
export type CounterTemplate =
  | { readonly kind: 'COUNTER'; readonly template: string }
  | { readonly kind: 'CONVERTED'; readonly template: string; readonly from: string }
  | { readonly kind: 'LEGACY'; readonly message: string };

export const isLegacyTemplate = (template: string): boolean =>
  WINDOW.test(template) || RANGE_FUNCTION.test(template);

export const LEGACY_TEMPLATE_HELP =
  'SLI templates are per-series counters now, read at each window boundary: write the counter itself, e.g. `http_server_request_duration_seconds_count{service_name="{{service}}",service_version=~"{{versionRegex}}"}`, without increase()/rate(), [{{window}}] or sum()';

/** The counter form of a template (old defaults and `sum(increase(<selector>[{{window}}]))` convert). */
export function counterTemplate(template: string): CounterTemplate {
  if (!isLegacyTemplate(template)) return { kind: 'COUNTER', template };
  const known = LEGACY_DEFAULT_TEMPLATES.get(template);
  if (known) return { kind: 'CONVERTED', template: known, from: template };
  const m = PLAIN_LEGACY.exec(template);
  if (m) {
    const converted = `${m[1].trim()}${m[2] ? ' or vector(0)' : ''}`;
    return { kind: 'CONVERTED', template: converted, from: template };
  }
  return {
    kind: 'LEGACY',
    message: `an increase()/rate() over {{window}} template that cannot be converted safely. ${LEGACY_TEMPLATE_HELP}`,
  };
}

// ---------------------------------------------------------------------------------------------
// The queries Shipwatch sends for a rendered counter expression

/** Escapes a value for a PromQL double-quoted string. */
export function promqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** How far back a series' last sample is looked for (a target silent longer counts as new). */
export const COUNTER_LOOKBACK_SECONDS = 3600;

/** Every selector wrapped in a function of its raw samples over `rangeSeconds`. */
function wrapSelectors(
  expr: string,
  selectors: readonly SelectorSpan[],
  wrap: (s: SelectorSpan) => string,
): string {
  let out = expr;
  for (const s of [...selectors].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, s.start) + wrap(s) + out.slice(s.end);
  }
  return out;
}

/**
 * The counter's value per series at the evaluation instant: its last sample within the lookback,
 * stale or not (a target that missed scrapes keeps its last value, so a window across the gap
 * counts what it gained meanwhile instead of its whole history).
 */
export function lastValueQuery(expr: string, lookbackSeconds = COUNTER_LOOKBACK_SECONDS): string {
  const { selectors } = scanCounterTemplate(expr);
  return wrapSelectors(expr, selectors, (s) => `last_over_time(${s.text}[${lookbackSeconds}s])`);
}

/** Selectors of counters (not info metrics such as target_info, which only join labels). */
export function counterSelectors(expr: string): SelectorSpan[] {
  return scanCounterTemplate(expr).selectors.filter((s) => !s.metric?.endsWith('_info'));
}

const union = (parts: readonly string[]): string => parts.join(' or ');

/** How many counter series have a sample in the `rangeSeconds` before the instant. */
export function freshSeriesQuery(expr: string, rangeSeconds: number): string | null {
  const selectors = counterSelectors(expr);
  if (selectors.length === 0) return null;
  const seconds = Math.max(1, Math.ceil(rangeSeconds));
  return `count(${union(selectors.map((s) => `count_over_time(${s.text}[${seconds}s])`))})`;
}

/** The series that changed most often in the `rangeSeconds` before the instant, name kept. */
export function busiestSeriesQuery(expr: string, rangeSeconds: number): string | null {
  const named = counterSelectors(expr).filter((s) => s.metric !== null);
  if (named.length === 0) return null;
  const parts = named.map(
    (s) => `label_replace(changes(${s.text}[${rangeSeconds}s]), "__name__", "${s.metric}", "", "")`,
  );
  return `topk(1, ${union(parts)})`;
}

/** The raw samples of one series (its full label set, name included) over `rangeSeconds`. */
export function rawSamplesQuery(labels: Readonly<Record<string, string>>, rangeSeconds: number) {
  const matchers = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${promqlString(labels[k])}"`);
  return `{${matchers.join(',')}}[${rangeSeconds}s]`;
}

// ---------------------------------------------------------------------------------------------
// Multi-target releases: a verification reads only its target's series

/** A Prometheus label name a policy may name as `targetLabel` (not a reserved `__` one). */
export const TARGET_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The expression with `label="value"` added to every vector selector (counters and info metrics
 * alike: a region or cluster label comes from the scrape target, on every series). A selector
 * that already matches on the label is left as its author wrote it.
 */
export function withTargetMatcher(expr: string, label: string, value: string): string {
  const matcher = `${label}="${promqlString(value)}"`;
  const own = new RegExp(`(^|[{,\\s])${label}\\s*(=|!=|=~|!~)`);
  const { selectors } = scanCounterTemplate(expr);
  return wrapSelectors(expr, selectors, (s) => {
    const open = s.text.indexOf('{');
    if (open < 0) return `${s.text}{${matcher}}`;
    const inner = s.text.slice(open + 1, -1);
    if (own.test(inner)) return s.text;
    const rest = inner.trim() === '' ? '' : `,${inner}`;
    return `${s.text.slice(0, open)}{${matcher}${rest}}`;
  });
}
