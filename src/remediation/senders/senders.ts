import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { revivedAction, type OutboxEntryEntity } from '../outbox.entity.js';
import type { AlertChannel, PublishChannel } from '../remediation-action.js';
import { AlertmanagerSender } from './alertmanager.sender.js';
import { DeploymentPublishSender } from './deployment-publish.sender.js';
import { GitHubDispatchSender } from './github.sender.js';
import { GitLabTriggerSender } from './gitlab.sender.js';
import type { DeliveryContext, OutboundRequest } from './outbound-request.js';
import { PagerDutySender } from './pagerduty.sender.js';
import { SlackSender } from './slack.sender.js';
import { WebhookSender } from './webhook.sender.js';

/** Picks the sender of an outbox entry and builds its request. */
@Injectable()
export class OutboxSenders {
  private readonly webhook = new WebhookSender();
  private readonly github = new GitHubDispatchSender();
  private readonly gitlab = new GitLabTriggerSender();
  private readonly alertmanager: AlertmanagerSender;
  private readonly slack: SlackSender;
  private readonly pagerduty: PagerDutySender;
  private readonly publish: DeploymentPublishSender;
  readonly configuredAlertChannels: readonly AlertChannel[];
  /** Where deployments are published (PUBLISH_DEPLOYMENTS_TO, checked complete at startup). */
  readonly publishChannels: readonly PublishChannel[];
  readonly alertmanagerUrl: string | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.alertmanagerUrl = config.alertmanagerUrl;
    this.alertmanager = new AlertmanagerSender(config.alertmanagerUrl);
    this.slack = new SlackSender(config.slackWebhookUrl);
    this.pagerduty = new PagerDutySender(config.pagerdutyUrl, config.pagerdutyRoutingKey);
    this.publish = new DeploymentPublishSender(config);
    this.publishChannels = config.publishDeploymentsTo.map(
      (t) => t.toUpperCase() as PublishChannel,
    );
    this.configuredAlertChannels = [
      ...(config.alertmanagerUrl ? (['ALERTMANAGER'] as const) : []),
      ...(config.slackWebhookUrl ? (['SLACK'] as const) : []),
      ...(config.pagerdutyRoutingKey ? (['PAGERDUTY'] as const) : []),
    ];
  }

  /** Throws ChannelNotConfigured when an alert or publish channel lost its configuration. */
  requestFor(entry: OutboxEntryEntity, ctx: DeliveryContext): OutboundRequest {
    const action = revivedAction(entry.payload);
    if (action.kind === 'ROLLBACK') {
      const target = action.target;
      switch (target.kind) {
        case 'WEBHOOK':
          return this.webhook.request(action, target, ctx);
        case 'GITHUB_REPOSITORY_DISPATCH':
        case 'GITHUB_WORKFLOW_DISPATCH':
          return this.github.request(action, target, ctx);
        case 'GITLAB_PIPELINE_TRIGGER':
          return this.gitlab.request(action, target, ctx);
      }
    }
    if (action.kind === 'PUBLISH') return this.publish.request(action, ctx);
    switch (action.channel) {
      case 'ALERTMANAGER':
        return this.alertmanager.request(action, entry.payload.firing, ctx);
      case 'SLACK':
        return this.slack.request(action, ctx);
      case 'PAGERDUTY':
        return this.pagerduty.request(action, ctx);
    }
  }
}
