import type { AppConfig } from '../../config/config.schema.js';
import { WebhookIntakeService } from '../webhook-intake.service.js';
import { IncidentIoWebhookService } from './incident-io-webhook.service.js';

/**
 * The Standard Webhooks reference vector (standard-webhooks/standard-webhooks, the libraries'
 * "sign function works" test): the signature incident.io's webhook documentation shows as its
 * example `webhook-signature`.
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  body: Buffer.from('{"test": 2432232314}'),
  headers: {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  },
  signedAt: new Date(1614265330 * 1000),
};

// Every answer here comes before ingestion, which these services therefore never reach.
const service = (secret: string | undefined) =>
  new IncidentIoWebhookService(
    { incidentIoWebhookSecret: secret, jsonMaxDepth: 64 } as AppConfig,
    new WebhookIntakeService(undefined as never),
  );

describe('IncidentIoWebhookService', () => {
  it('accepts the reference signature (the body is then read: no event_type, 400)', async () => {
    await expect(
      service(VECTOR.secret).receive(VECTOR.headers, VECTOR.body, {}, VECTOR.signedAt),
    ).rejects.toMatchObject({ code: 'MALFORMED_PAYLOAD', httpStatus: 400 });
  });

  it('refuses it 401 more than 5 minutes later, with another secret, or unsigned', async () => {
    const late = new Date(VECTOR.signedAt.getTime() + 301_000);
    const other = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
    for (const [secret, headers, now] of [
      [VECTOR.secret, VECTOR.headers, late],
      [other, VECTOR.headers, VECTOR.signedAt],
      [VECTOR.secret, { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek' }, VECTOR.signedAt],
    ] as const) {
      await expect(service(secret).receive(headers, VECTOR.body, {}, now)).rejects.toMatchObject({
        code: 'INVALID_SIGNATURE',
        httpStatus: 401,
      });
    }
  });

  it('refuses every delivery while INCIDENT_IO_WEBHOOK_SECRET is unset', async () => {
    await expect(
      service(undefined).receive(VECTOR.headers, VECTOR.body, {}, VECTOR.signedAt),
    ).rejects.toMatchObject({ code: 'WEBHOOK_NOT_CONFIGURED', httpStatus: 401 });
  });
});
