import { Controller, Headers as HttpHeaders, Options, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CloudEventsService } from './cloudevents/cloudevents.service.js';
import { GithubWebhookService } from './github/github-webhook.service.js';
import { GitlabWebhookService } from './gitlab/gitlab-webhook.service.js';
import { normaliseHeaders } from './webhook-mapping.js';

/**
 * The webhook endpoints. Public routes: each source authenticates its own deliveries (HMAC
 * signature, secret token, bearer token) in its service. Replies: 200 applied or duplicate,
 * 202 stored but not modelled, 400 malformed, 401 unauthentic.
 */
@Controller()
export class WebhooksController {
  constructor(
    private readonly github: GithubWebhookService,
    private readonly gitlab: GitlabWebhookService,
    private readonly cloudevents: CloudEventsService,
  ) {}

  @Post('webhooks/github')
  async receiveGithub(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    const reply = await this.github.receive(normaliseHeaders(req.headers), body(req), new Date());
    res.status(reply.status);
    return reply.body;
  }

  /** `?service=<name>&namespace=<ns>` name the service a project's deployments belong to. */
  @Post('webhooks/gitlab')
  async receiveGitlab(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('service') service?: string,
    @Query('namespace') namespace?: string,
  ): Promise<Record<string, unknown>> {
    const reply = await this.gitlab.receive(
      normaliseHeaders(req.headers),
      body(req),
      { service: nonEmpty(service), namespace: nonEmpty(namespace) },
      new Date(),
    );
    res.status(reply.status);
    return reply.body;
  }

  @Post('cloudevents')
  async receiveCloudEvents(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('access_token') accessToken?: string,
  ): Promise<Record<string, unknown>> {
    const reply = await this.cloudevents.receive(
      normaliseHeaders(req.headers),
      body(req),
      new Date(),
      nonEmpty(accessToken),
    );
    res.status(reply.status);
    return reply.body;
  }

  /** CloudEvents HTTP webhook abuse protection: the validation handshake of a subscription. */
  @Options('cloudevents')
  validateCloudEventsSubscription(
    @HttpHeaders('webhook-request-origin') origin: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): void {
    if (origin) res.setHeader('WebHook-Allowed-Origin', origin);
    res.setHeader('Allow', 'POST, OPTIONS');
    res.status(200);
  }
}

const body = (req: RawBodyRequest<Request>): Buffer => req.rawBody ?? Buffer.alloc(0);

const nonEmpty = (value: string | undefined): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
