import fc from 'fast-check';
import { parse } from 'yaml';
import { toYaml } from './yaml-emit.js';

describe('toYaml', () => {
  it('writes block YAML that reads back as the same data', () => {
    const data = {
      service: 'checkout',
      namespace: '',
      timing: { bakeSeconds: 900, windowSeconds: 60 },
      slis: [{ name: 'errors', objective: 0.999, totalQuery: 'x{service="{{service}}"}' }],
      alertChannels: [],
      analysis: {},
      'odd key': ['a', 'b: c', '- d', '#e', "it's", 'tab\there', 'line\nbreak', 'é ✓'],
      nested: [[1, 2], [], [{ a: true }]],
    };
    expect(toYaml(data)).toContain('timing:\n  bakeSeconds: 900\n');
    expect(parse(toYaml(data))).toEqual(data);
  });

  it('round-trips any JSON data', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (data) => {
        const plain = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
        expect(parse(toYaml(plain)) ?? {}).toEqual(plain);
      }),
    );
  });
});
