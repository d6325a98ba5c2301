import type { Headers } from '../webhook-mapping.js';
import { JsonTooDeepError, MappingError } from '../webhook-mapping.js';
import { parseCloudEvents as parseWithDepth } from './cloudevents.parser.js';

const parseCloudEvents = (headers: Headers, body: Buffer, maxDepth = 64) =>
  parseWithDepth(headers, body, maxDepth);

const cdevent = {
  context: { id: 'e1', source: '/tekton', type: 'dev.cdevents.pipelinerun.started.0.3.0' },
  subject: { id: 'run-1', content: { pipelineName: 'p', uri: 'https://ci/run-1' } },
};
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseCloudEvents', () => {
  it('reads binary mode: ce-* headers, percent-decoded, and the JSON body as data', () => {
    const [event] = parseCloudEvents(
      {
        'content-type': 'application/json; charset=UTF-8',
        'ce-specversion': '1.0',
        'ce-id': 'e1',
        'ce-source': '/tekton',
        'ce-type': 'dev.cdevents.pipelinerun.started.0.3.0',
        'ce-subject': 'run%2F1',
        'ce-time': '2026-11-30T10:00:00.123456Z',
        'ce-traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      json(cdevent),
    );
    expect(event).toMatchObject({
      mode: 'binary',
      specversion: '1.0',
      id: 'e1',
      source: '/tekton',
      type: 'dev.cdevents.pipelinerun.started.0.3.0',
      subject: 'run/1',
      time: '2026-11-30T10:00:00.123456Z',
      extensions: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      data: cdevent,
      stored: cdevent,
    });
  });

  it('keeps a binary body that is not JSON as bytes, stored base64', () => {
    const [event] = parseCloudEvents(
      {
        'content-type': 'application/octet-stream',
        'ce-specversion': '1.0',
        'ce-id': 'b1',
        'ce-source': 'src',
        'ce-type': 'com.example.blob',
      },
      Buffer.from([0, 1, 2]),
    );
    expect(Buffer.isBuffer(event.data)).toBe(true);
    expect(event.stored).toEqual({
      datacontenttype: 'application/octet-stream',
      data_base64: 'AAEC',
    });
  });

  it('reads structured mode, case-insensitively, with data or data_base64', () => {
    const envelope = {
      specversion: '1.0',
      id: 'e1',
      source: '/tekton',
      type: 'dev.cdevents.pipelinerun.started.0.3.0',
      datacontenttype: 'application/json',
      partitionkey: 'p1',
      data: cdevent,
    };
    const [a] = parseCloudEvents(
      { 'content-type': 'Application/CloudEvents+JSON; charset=utf-8' },
      json(envelope),
    );
    expect(a).toMatchObject({ mode: 'structured', id: 'e1', data: cdevent, stored: envelope });
    expect(a.extensions).toEqual({ partitionkey: 'p1' });
    const { data: _data, ...rest } = envelope;
    const [b] = parseCloudEvents(
      { 'content-type': 'application/cloudevents+json' },
      json({ ...rest, data_base64: Buffer.from(JSON.stringify(cdevent)).toString('base64') }),
    );
    expect(b.data).toEqual(cdevent);
  });

  it('reads batch mode as one event per element', () => {
    const one = { specversion: '1.0', id: 'a', source: 's', type: 't', data: {} };
    const events = parseCloudEvents(
      { 'content-type': 'application/cloudevents-batch+json' },
      json([one, { ...one, id: 'b' }]),
    );
    expect(events.map((e) => [e.mode, e.id])).toEqual([
      ['batch', 'a'],
      ['batch', 'b'],
    ]);
  });

  it.each([
    [{ 'content-type': 'application/json' }, '{}', 'no CloudEvent'],
    [{ 'content-type': 'application/cloudevents+json' }, '{"id":', 'not valid JSON'],
    [{ 'content-type': 'application/cloudevents+json' }, '[]', 'must be a JSON object'],
    [{ 'content-type': 'application/cloudevents-batch+json' }, '{}', 'JSON array'],
    [{ 'content-type': 'application/cloudevents-batch+json' }, '[]', 'empty'],
    [
      { 'content-type': 'application/cloudevents+json' },
      '{"specversion":"1.0","source":"s","type":"t"}',
      'id is missing',
    ],
    [
      { 'content-type': 'application/cloudevents+json' },
      '{"specversion":"2.0","id":"i","source":"s","type":"t"}',
      'specversion "2.0"',
    ],
    [
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-source': 's',
        'ce-type': 't',
      },
      '{}',
      'id is missing',
    ],
    [
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'i',
        'ce-source': 's',
        'ce-type': 't',
      },
      '{oops',
      'not valid JSON',
    ],
  ])('refuses %j %s', (headers, body, message) => {
    const parse = () => parseCloudEvents(headers, Buffer.from(body));
    expect(parse).toThrow(MappingError);
    expect(parse).toThrow(message);
  });

  it('names the failing element of a batch', () => {
    expect(() =>
      parseCloudEvents(
        { 'content-type': 'application/cloudevents-batch+json' },
        json([{ specversion: '1.0', id: 'a', source: 's', type: 't' }, { specversion: '1.0' }]),
      ),
    ).toThrow('[1]');
  });

  it('refuses JSON nested deeper than the limit in every mode, data_base64 included', () => {
    const deep = '['.repeat(5_000) + ']'.repeat(5_000);
    const attrs = { specversion: '1.0', id: 'a', source: 's', type: 't' };
    const cases: [Headers, Buffer][] = [
      [
        {
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': 'a',
          'ce-source': 's',
          'ce-type': 't',
        },
        Buffer.from(deep),
      ],
      [
        { 'ce-specversion': '1.0', 'ce-id': 'a', 'ce-source': 's', 'ce-type': 't' },
        Buffer.from(deep),
      ],
      [{ 'content-type': 'application/cloudevents+json' }, Buffer.from(`{"data":${deep}}`)],
      [{ 'content-type': 'application/cloudevents-batch+json' }, Buffer.from(`[${deep}]`)],
      [
        { 'content-type': 'application/cloudevents+json' },
        json({
          ...attrs,
          datacontenttype: 'application/json',
          data_base64: Buffer.from(deep).toString('base64'),
        }),
      ],
    ];
    for (const [headers, body] of cases) {
      expect(() => parseCloudEvents(headers, body)).toThrow(JsonTooDeepError);
    }
    const fine = json({ ...attrs, data: { a: [[{ b: 1 }]] } });
    // the envelope, data, a, the inner array, the object in it: 5 levels
    expect(
      parseCloudEvents({ 'content-type': 'application/cloudevents+json' }, fine, 5),
    ).toHaveLength(1);
    expect(() =>
      parseCloudEvents({ 'content-type': 'application/cloudevents+json' }, fine, 4),
    ).toThrow('more than 4 levels');
  });
});
