import type { AppConfig } from '../../config/config.schema.js';
import { WebhookIntakeService } from '../webhook-intake.service.js';
import { PagerdutyWebhookService } from './pagerduty-webhook.service.js';

describe('PagerdutyWebhookService without PAGERDUTY_WEBHOOK_SECRET', () => {
  it('refuses every delivery with 401 WEBHOOK_NOT_CONFIGURED before reading it', async () => {
    // The refusal comes before ingestion, which this service therefore never reaches.
    const service = new PagerdutyWebhookService(
      { pagerdutyWebhookSecret: undefined } as AppConfig,
      new WebhookIntakeService(undefined as never),
    );
    await expect(
      service.receive({ 'x-pagerduty-signature': 'v1=00' }, Buffer.from('{}'), {}),
    ).rejects.toMatchObject({ code: 'WEBHOOK_NOT_CONFIGURED', httpStatus: 401 });
  });
});
