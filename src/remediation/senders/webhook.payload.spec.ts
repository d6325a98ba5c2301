import { aRollback, anExplanation } from '../../../test/factories/remediation-actions.js';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhookSignature,
  webhookRollbackRequest,
} from './webhook.payload.js';

const secret = 'whsec-0123456789abcdef';
const ctx = {
  idempotencyKey: 'rollback:42',
  requestedAt: new Date('2026-03-01T10:03:00Z'),
  sentAt: new Date('2026-03-01T10:03:05.900Z'),
  userAgent: 'Shipwatch/test',
};

describe('signWebhook', () => {
  it('is HMAC-SHA256 over "<timestamp>.<raw body>" (vector computed with openssl dgst -hmac)', () => {
    expect(signWebhook(secret, 1767225600, '{"hello":"world"}')).toBe(
      'sha256=4a88dc0c7f6648820b28e088b43e393fa006d43a1b0ad1a8ab777efdc8a2f94d',
    );
  });
});

describe('webhookRollbackRequest', () => {
  const action = aRollback({
    target: { kind: 'WEBHOOK', url: 'https://deploy.example.com/hooks/rollback', secret },
  });
  const request = webhookRollbackRequest(
    action,
    action.target as { kind: 'WEBHOOK'; url: string; secret: string },
    ctx,
  );

  it('posts the documented JSON body to the target URL', () => {
    expect(request.url).toBe('https://deploy.example.com/hooks/rollback');
    expect(JSON.parse(request.body)).toEqual({
      type: 'shipwatch.rollback.requested',
      idempotencyKey: 'rollback:42',
      requestedAt: '2026-03-01T10:03:00.000Z',
      deployment: {
        id: '42',
        service: 'checkout',
        namespace: 'shop',
        environment: 'production',
        version: '1.4.2',
        previousVersion: '1.4.1',
      },
      rollback: { toVersion: '1.4.1', reason: action.reason },
    });
  });

  it('carries the idempotency key, the timestamp of the attempt and a valid signature', () => {
    expect(request.headers).toMatchObject({
      'Content-Type': 'application/json',
      'Idempotency-Key': 'rollback:42',
      'X-Shipwatch-Event': 'rollback.requested',
      [TIMESTAMP_HEADER]: '1772359385',
    });
    expect(request.headers[SIGNATURE_HEADER]).toBe(signWebhook(secret, 1772359385, request.body));
    expect(request.secrets).toEqual([secret]);
    expect(request.body).not.toContain(secret);
  });

  it('verifies on the receiver side, and refuses tampering, another secret and stale timestamps', () => {
    const base = {
      secret,
      rawBody: request.body,
      timestamp: request.headers[TIMESTAMP_HEADER],
      signature: request.headers[SIGNATURE_HEADER],
      now: new Date('2026-03-01T10:04:00Z'),
    };
    expect(verifyWebhookSignature(base)).toBe(true);
    expect(
      verifyWebhookSignature({ ...base, rawBody: request.body.replace('1.4.1', '1.3.0') }),
    ).toBe(false);
    expect(verifyWebhookSignature({ ...base, secret: 'another-secret-of-16+' })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: '1772359386' })).toBe(false);
    expect(verifyWebhookSignature({ ...base, now: new Date('2026-03-01T10:09:06Z') })).toBe(false);
    expect(verifyWebhookSignature({ ...base, signature: undefined })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: 'soon' })).toBe(false);
  });

  it('keeps the body identical across attempts; only the timestamp and signature change', () => {
    const later = webhookRollbackRequest(action, action.target as never, {
      ...ctx,
      sentAt: new Date('2026-03-01T10:04:05Z'),
    });
    expect(later.body).toBe(request.body);
    expect(later.headers['Idempotency-Key']).toBe(request.headers['Idempotency-Key']);
    expect(later.headers[SIGNATURE_HEADER]).not.toBe(request.headers[SIGNATURE_HEADER]);
  });
});

describe('the rollback webhook with the release explanation', () => {
  it('carries the explanation as JSON, signed with the rest of the body', () => {
    const explanation = anExplanation();
    const action = aRollback({ explanation });
    const request = webhookRollbackRequest(action, action.target as never, ctx);
    const body = JSON.parse(request.body);
    expect(body.explanation).toEqual(explanation);
    expect(body.explanation.changeset.changes[0]).toMatchObject({
      pullRequest: '42',
      author: 'alice',
    });
    expect(
      verifyWebhookSignature({
        secret,
        rawBody: request.body,
        timestamp: request.headers[TIMESTAMP_HEADER],
        signature: request.headers[SIGNATURE_HEADER],
        now: ctx.sentAt,
      }),
    ).toBe(true);
  });

  it('has no explanation key for an action queued without one', () => {
    const action = aRollback();
    const body = JSON.parse(webhookRollbackRequest(action, action.target as never, ctx).body);
    expect(body).not.toHaveProperty('explanation');
  });
});
