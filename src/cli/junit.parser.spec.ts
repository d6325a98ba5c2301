import { JUnitError, mergeTotals, parseJUnit } from './junit.parser.js';

// Shapes as written by common tools (trimmed): Maven surefire, pytest, jest-junit, go-junit-report.
const SUREFIRE = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="com.example.PaymentTest" time="1.234" tests="4" errors="1" skipped="1" failures="0">
  <properties><property name="java.version" value="21"/></properties>
  <testcase name="charges" classname="com.example.PaymentTest" time="0.5"/>
  <testcase name="refunds" classname="com.example.PaymentTest" time="0.3"/>
  <testcase name="timeouts" classname="com.example.PaymentTest" time="0.4">
    <error message="boom &lt;1s&gt;" type="java.lang.IllegalStateException"><![CDATA[java.lang.IllegalStateException: boom <testcase>
	at com.example.PaymentTest.timeouts(PaymentTest.java:42)]]></error>
    <system-out><![CDATA[log </testsuite> line]]></system-out>
  </testcase>
  <testcase name="later" classname="com.example.PaymentTest" time="0"><skipped message="not yet"/></testcase>
</testsuite>`;

const PYTEST = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="3" time="2.5" timestamp="2026-01-01T10:00:00" hostname="ci"><testcase classname="tests.test_api" name="test_ok" time="0.001" /><testcase classname="tests.test_api" name="test_also_ok" time="0.002" /><testcase classname="tests.test_api" name="test_bad" time="0.003"><failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2</failure></testcase></testsuite></testsuites>`;

const JEST = `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by jest-junit -->
<testsuites name="jest tests" tests="3" failures="0" errors="0" time="4.1">
  <testsuite name="cart" errors="0" failures="0" skipped="1" timestamp="2026-01-01T10:00:00" time="1.5" tests="2">
    <testcase classname="cart adds" name="cart adds" time="0.01"></testcase>
    <testcase classname="cart removes" name="cart removes" time="0"><skipped/></testcase>
  </testsuite>
  <testsuite name="checkout" errors="0" failures="0" skipped="0" timestamp="2026-01-01T10:00:01" time="2.6" tests="1">
    <testcase classname="checkout pays" name="checkout pays" time="0.2"/>
  </testsuite>
</testsuites>`;

describe('parseJUnit', () => {
  it('counts a surefire suite from its test cases: errors fail, skipped skip, CDATA and comments are ignored', () => {
    expect(parseJUnit(SUREFIRE)).toEqual({
      passed: 2,
      failed: 1,
      skipped: 1,
      suites: [
        {
          name: 'com.example.PaymentTest',
          passed: 2,
          failed: 1,
          skipped: 1,
          durationSeconds: 1.234,
        },
      ],
    });
  });

  it('reads pytest (one suite under <testsuites>, on one line) with failures', () => {
    expect(parseJUnit(PYTEST)).toEqual({
      passed: 2,
      failed: 1,
      skipped: 0,
      suites: [{ name: 'pytest', passed: 2, failed: 1, skipped: 0, durationSeconds: 2.5 }],
    });
  });

  it('reads jest-junit with several suites and keeps each', () => {
    const totals = parseJUnit(JEST);
    expect(totals).toMatchObject({ passed: 2, failed: 0, skipped: 1 });
    expect(totals.suites.map((s) => [s.name, s.passed, s.skipped])).toEqual([
      ['cart', 1, 1],
      ['checkout', 1, 0],
    ]);
  });

  it('uses the suite attributes when a report has no test cases, and sums case times when the suite has none', () => {
    const summary = parseJUnit(
      `<testsuites><testsuite name="s" tests="10" failures="2" errors="1" skipped="3"/></testsuites>`,
    );
    expect(summary.suites).toEqual([{ name: 's', passed: 4, failed: 3, skipped: 3 }]);
    const timed = parseJUnit(
      `<testsuite name="t"><testcase name="a" time="0.25"/><testcase name="b" time="1,000.5"/></testsuite>`,
    );
    expect(timed.suites[0].durationSeconds).toBe(1000.75);
  });

  it('counts nested suites through their leaves, and names an anonymous suite after the report', () => {
    const totals = parseJUnit(
      `<testsuite name="outer"><testsuite name="inner"><testcase name="x"/></testsuite><testsuite><testcase name="y"><failure/></testcase></testsuite></testsuite>`,
      'reports/go.xml',
    );
    expect(totals.suites.map((s) => s.name)).toEqual(['inner', 'reports/go.xml']);
    expect(totals).toMatchObject({ passed: 1, failed: 1 });
  });

  it.each([
    ['<html><body/></html>', 'not a JUnit report (root element <html>)'],
    [
      '<testsuite><testcase></testsuite>',
      'malformed XML at line 1: </testsuite> does not close <testcase>',
    ],
    [
      '<testsuite name="a">\n<testcase name="b">',
      'malformed XML at line 2: <testcase> is never closed',
    ],
    ['not xml at all', 'no root element'],
    ['<testsuite><!-- never closed', 'unterminated'],
  ])('refuses %j with a message naming the problem', (xml, message) => {
    expect(() => parseJUnit(xml, 'r.xml')).toThrow(JUnitError);
    expect(() => parseJUnit(xml, 'r.xml')).toThrow(message);
  });
});

describe('mergeTotals', () => {
  it('adds reports and merges suites of the same name', () => {
    const merged = mergeTotals([parseJUnit(PYTEST), parseJUnit(PYTEST), parseJUnit(JEST)]);
    expect(merged).toMatchObject({ passed: 6, failed: 2, skipped: 1 });
    expect(merged.suites[0]).toEqual({
      name: 'pytest',
      passed: 4,
      failed: 2,
      skipped: 0,
      durationSeconds: 5,
    });
  });
});
