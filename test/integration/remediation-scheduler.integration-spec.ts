import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { OutboxService } from '../../src/remediation/outbox.service.js';
import { aRollback } from '../factories/remediation-actions.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/signed-webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(30_000);

describe('outbox delivery with the scheduler on', () => {
  const secret = 'whsec-scheduler-0123456789';
  let receiver: WebhookReceiver;
  let t: TestApp;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret });
    t = await startTestApp({
      SHIPWATCH_SCHEDULER: 'on',
      SHIPWATCH_OUTBOUND_PRIVATE_HOSTS: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('delivers an enqueued rollback by itself, once', async () => {
    const action = aRollback({ target: { kind: 'WEBHOOK', url: `${receiver.url}/rb`, secret } });
    const ds = t.app.get(DataSource);
    await ds.transaction((m) => t.app.get(OutboxService).enqueue(m, action));
    for (let i = 0; i < 100 && receiver.requests.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // A few more dispatcher runs: nothing is sent twice.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]).toMatchObject({
      idempotencyKey: action.idempotencyKey,
      signatureValid: true,
    });
  });
});
