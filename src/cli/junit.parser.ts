/**
 * Test totals from JUnit XML reports (the format of surefire, pytest, jest-junit, go-junit-report,
 * gradle, ...). A small dependency-free reader: elements and attributes only, text is ignored.
 * Counts come from the <testcase> elements when a suite has them, else from the suite's
 * attributes (tests, failures, errors, skipped/disabled), so summary-only reports work too.
 */

export interface SuiteTotals {
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationSeconds?: number;
}

export interface TestTotals {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly suites: SuiteTotals[];
}

export class JUnitError extends Error {}

interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
}

/** Parses one report. `label` names the report in errors and names an anonymous suite. */
export function parseJUnit(xml: string, label = 'report'): TestTotals {
  const root = parseXml(xml, label);
  if (root.name !== 'testsuites' && root.name !== 'testsuite') {
    throw new JUnitError(`${label}: not a JUnit report (root element <${root.name}>)`);
  }
  const suites: SuiteTotals[] = [];
  collectSuites(root, suites, label);
  return sumTotals(suites);
}

/** Adds reports together; suites with the same name are merged. */
export function mergeTotals(reports: readonly TestTotals[]): TestTotals {
  const byName = new Map<string, SuiteTotals>();
  for (const suite of reports.flatMap((r) => r.suites)) {
    const seen = byName.get(suite.name);
    byName.set(
      suite.name,
      seen
        ? {
            name: suite.name,
            passed: seen.passed + suite.passed,
            failed: seen.failed + suite.failed,
            skipped: seen.skipped + suite.skipped,
            durationSeconds: addOptional(seen.durationSeconds, suite.durationSeconds),
          }
        : suite,
    );
  }
  return sumTotals([...byName.values()]);
}

function sumTotals(suites: SuiteTotals[]): TestTotals {
  return {
    passed: suites.reduce((n, s) => n + s.passed, 0),
    failed: suites.reduce((n, s) => n + s.failed, 0),
    skipped: suites.reduce((n, s) => n + s.skipped, 0),
    suites,
  };
}

function addOptional(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : round3(a + b);
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function collectSuites(el: XmlElement, out: SuiteTotals[], label: string): void {
  const nested = el.children.filter((c) => c.name === 'testsuite');
  const cases = el.children.filter((c) => c.name === 'testcase');
  for (const child of nested) collectSuites(child, out, label);
  // A <testsuites> root is a container unless it holds test cases itself; a <testsuite> that
  // only nests other suites is counted through them.
  if (cases.length > 0 || (el.name === 'testsuite' && nested.length === 0)) {
    out.push(suiteTotals(el, cases, label));
  }
}

function suiteTotals(el: XmlElement, cases: XmlElement[], label: string): SuiteTotals {
  const name = el.attrs.name?.trim() || label;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let caseTime: number | undefined;
  if (cases.length > 0) {
    for (const c of cases) {
      const kinds = new Set(c.children.map((ch) => ch.name));
      if (kinds.has('failure') || kinds.has('error')) failed++;
      else if (kinds.has('skipped') || /^(skipped|disabled|notrun)$/i.test(c.attrs.status ?? ''))
        skipped++;
      else passed++;
      const t = seconds(c.attrs.time);
      if (t !== undefined) caseTime = (caseTime ?? 0) + t;
    }
  } else {
    const tests = count(el.attrs.tests);
    failed = count(el.attrs.failures) + count(el.attrs.errors);
    skipped = count(el.attrs.skipped ?? el.attrs.disabled);
    passed = Math.max(0, tests - failed - skipped);
  }
  const duration =
    seconds(el.attrs.time) ?? (caseTime === undefined ? undefined : round3(caseTime));
  return duration === undefined
    ? { name, passed, failed, skipped }
    : { name, passed, failed, skipped, durationSeconds: duration };
}

function count(raw: string | undefined): number {
  const n = Number((raw ?? '0').trim());
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** `time` attributes: seconds, sometimes with thousands separators ("1,234.5"). */
function seconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw.trim().replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 ? round3(n) : undefined;
}

// ---------------------------------------------------------------------------------------------
// A minimal XML element reader: tags and attributes, skipping the prolog, comments, CDATA,
// processing instructions, DOCTYPE and text. Mismatched tags are an error.

const NAME = /[A-Za-z_:][-\w:.]*/y;
const ATTR = /\s*([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

export function parseXml(xml: string, label = 'document'): XmlElement {
  const stack: { name: string; attrs: Record<string, string>; children: XmlElement[] }[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const fail = (message: string): never => {
    const line = xml.slice(0, i).split('\n').length;
    throw new JUnitError(`${label}: malformed XML at line ${line}: ${message}`);
  };
  const skipPast = (end: string): void => {
    const at = xml.indexOf(end, i);
    if (at < 0) fail(`unterminated ${xml.slice(i, i + 9)}`);
    i = at + end.length;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) skipPast('-->');
    else if (xml.startsWith('<![CDATA[', i)) skipPast(']]>');
    else if (xml.startsWith('<?', i)) skipPast('?>');
    else if (xml.startsWith('<!', i)) skipPast('>');
    else if (xml.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(xml) ?? fail('expected an element name');
      const open = stack.pop();
      if (!open || open.name !== m[0]) fail(`</${m[0]}> does not close <${open?.name ?? ''}>`);
      i = NAME.lastIndex;
      skipPast('>');
      if (stack.length === 0) root = open;
      else stack[stack.length - 1].children.push(open!);
    } else {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(xml) ?? fail('expected an element name');
      i = NAME.lastIndex;
      const attrs: Record<string, string> = {};
      for (;;) {
        ATTR.lastIndex = i;
        const a = ATTR.exec(xml);
        if (!a) break;
        attrs[a[1]] = decodeEntities(a[2] ?? a[3]);
        i = ATTR.lastIndex;
      }
      while (i < xml.length && /\s/.test(xml[i])) i++;
      const element = { name: m[0], attrs, children: [] as XmlElement[] };
      if (xml.startsWith('/>', i)) {
        i += 2;
        if (stack.length === 0) root = element;
        else stack[stack.length - 1].children.push(element);
      } else if (xml[i] === '>') {
        i += 1;
        stack.push(element);
      } else {
        fail(`unexpected character in <${m[0]}>`);
      }
    }
    if (root) break;
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) return fail('no root element');
  return root;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[body] ?? whole;
  });
}
