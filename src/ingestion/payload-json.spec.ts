import { payloadJson } from './ingestion.repository.js';

/** Raw payloads are stored as jsonb, which holds neither NUL nor lone UTF-16 surrogates. */
describe('payloadJson', () => {
  it('is JSON.stringify for payloads PostgreSQL can store', () => {
    const payload = { a: 'text ✓ 😀', n: 1, at: new Date('2026-01-01T00:00:00Z'), l: [null, true] };
    expect(payloadJson(payload)).toBe(JSON.stringify(payload));
  });

  it('replaces NUL and lone surrogates, in values and keys, with U+FFFD', () => {
    const text = payloadJson({
      'k\u0000': ['a\u0000b', '\ud800', 'x\udc00y', '😀'],
      ok: '\\u0000',
    });
    expect(JSON.parse(text)).toEqual({
      'k\ufffd': ['a\ufffdb', '\ufffd', 'x\ufffdy', '😀'],
      ok: '\\u0000',
    });
  });

  it('keeps dates and nesting when it has to re-encode', () => {
    const text = payloadJson({ at: new Date('2026-01-01T00:00:00Z'), deep: { x: ['\u0000'] } });
    expect(JSON.parse(text)).toEqual({ at: '2026-01-01T00:00:00.000Z', deep: { x: ['\ufffd'] } });
  });
});
