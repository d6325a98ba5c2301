import { Module } from '@nestjs/common';
import { DeploymentPublisher } from './deployment-publisher.js';
import { OutboxDispatcher } from './outbox.dispatcher.js';
import { OutboxHandlers } from './outbox-handlers.js';
import { OutboxRepository } from './outbox.repository.js';
import { OutboxService } from './outbox.service.js';
import { OutboundPolicy } from './outbound-policy.js';
import { ReleaseExplanations } from './release-explanation.repository.js';
import { OutboxSenders } from './senders/senders.js';
import { SlackResponses } from './slack-responses.js';

/**
 * Remediation: the transactional outbox (OutboxService.enqueue, called by verification inside
 * its verdict transaction), the allowlist of outbound hosts (OutboundPolicy, also used when
 * policies are saved), delivery with retries (OutboxDispatcher), and the publishing of
 * deployments to PagerDuty, Grafana and Slack (DeploymentPublisher), what alerts say about a
 * release (ReleaseExplanations), and later answers to Slack interactions (SlackResponses).
 */
@Module({
  providers: [
    OutboxRepository,
    OutboxService,
    OutboundPolicy,
    OutboxSenders,
    OutboxDispatcher,
    OutboxHandlers,
    DeploymentPublisher,
    ReleaseExplanations,
    SlackResponses,
  ],
  exports: [
    OutboxHandlers,
    OutboxService,
    OutboundPolicy,
    OutboxDispatcher,
    DeploymentPublisher,
    ReleaseExplanations,
    SlackResponses,
  ],
})
export class RemediationModule {}
