import { Module } from '@nestjs/common';
import { OutboxDispatcher } from './outbox.dispatcher.js';
import { OutboxRepository } from './outbox.repository.js';
import { OutboxService } from './outbox.service.js';
import { OutboundPolicy } from './outbound-policy.js';
import { OutboxSenders } from './senders/senders.js';

/**
 * Remediation: the transactional outbox (OutboxService.enqueue, called by verification inside
 * its verdict transaction), the allowlist of outbound hosts (OutboundPolicy, also used when
 * policies are saved) and delivery with retries (OutboxDispatcher).
 */
@Module({
  providers: [OutboxRepository, OutboxService, OutboundPolicy, OutboxSenders, OutboxDispatcher],
  exports: [OutboxService, OutboundPolicy, OutboxDispatcher],
})
export class RemediationModule {}
