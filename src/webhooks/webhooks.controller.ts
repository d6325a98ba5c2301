import { Controller, Headers as HttpHeaders, Options, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request, Response } from 'express';
import { alertLabelMapping } from './alertmanager/alertmanager.mapper.js';
import { AlertmanagerWebhookService } from './alertmanager/alertmanager-webhook.service.js';
import { mapGrafanaOncallDelivery } from './grafana-oncall/grafana-oncall.mapper.js';
import { IncidentIoWebhookService } from './incident-io/incident-io-webhook.service.js';
import { mapOpsgenieDelivery } from './opsgenie/opsgenie.mapper.js';
import { TokenIncidentIntake } from './token-incident-intake.js';
import { PagerdutyWebhookService } from './pagerduty/pagerduty-webhook.service.js';
import { CloudEventsService } from './cloudevents/cloudevents.service.js';
import { GithubWebhookService } from './github/github-webhook.service.js';
import { FluxWebhookService } from './flux/flux-webhook.service.js';
import { GitlabWebhookService } from './gitlab/gitlab-webhook.service.js';
import { type MappedDelivery, normaliseHeaders } from './webhook-mapping.js';
import { unknownQueryValue } from './webhooks.errors.js';

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
    private readonly alertmanager: AlertmanagerWebhookService,
    private readonly pagerduty: PagerdutyWebhookService,
    private readonly flux: FluxWebhookService,
    private readonly tokenIncidents: TokenIncidentIntake,
    private readonly incidentIo: IncidentIoWebhookService,
  ) {}

  @Post('webhooks/github')
  async receiveGithub(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    const reply = await this.github.receive(normaliseHeaders(req.headers), body(req));
    res.status(reply.status);
    return reply.body;
  }

  /**
   * `?service=<name>&namespace=<ns>` name the service a project's deployments belong to;
   * `?service_from=environment` takes it from the environment's folder (`production/api`).
   */
  @Post('webhooks/gitlab')
  async receiveGitlab(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('service') service?: string,
    @Query('namespace') namespace?: string,
    @Query('environment') environment?: string,
    @Query('service_from') serviceFrom?: string,
  ): Promise<Record<string, unknown>> {
    if (serviceFrom !== undefined && serviceFrom !== 'environment') {
      throw unknownQueryValue('service_from', serviceFrom, ['environment']);
    }
    const reply = await this.gitlab.receive(
      normaliseHeaders(req.headers),
      body(req),
      {
        service: nonEmpty(service),
        namespace: nonEmpty(namespace),
        environment: nonEmpty(environment),
        serviceFromEnvironment: serviceFrom === 'environment',
      },
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

  /**
   * Alertmanager's webhook receiver. `?service_label=`, `?environment_label=`, `?version_label=`
   * (comma-separated label names) replace the default label lists; `?environment=` names the
   * environment of alerts that carry none.
   */
  @Post('webhooks/alertmanager')
  async receiveAlertmanager(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query() query: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const param = (name: string) =>
      nonEmpty(typeof query[name] === 'string' ? query[name] : undefined);
    const reply = await this.alertmanager.receive(
      normaliseHeaders(req.headers),
      body(req),
      alertLabelMapping({
        serviceLabel: param('service_label'),
        environmentLabel: param('environment_label'),
        versionLabel: param('version_label'),
        environment: param('environment'),
      }),
      param('access_token'),
    );
    res.status(reply.status);
    return reply.body;
  }

  /** PagerDuty V3 webhooks; `?service=` and `?environment=` name the incidents' service and environment. */
  @Post('webhooks/pagerduty')
  async receivePagerduty(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('service') service?: string,
    @Query('environment') environment?: string,
  ): Promise<Record<string, unknown>> {
    const reply = await this.pagerduty.receive(normaliseHeaders(req.headers), body(req), {
      service: nonEmpty(service),
      environment: nonEmpty(environment),
    });
    res.status(reply.status);
    return reply.body;
  }

  /**
   * Flux notification-controller (Provider type generic-hmac); `?service=`, `?namespace=` and
   * `?environment=` name the deployments' service and environment (see FluxHookOptions).
   */
  @Post('webhooks/flux')
  async receiveFlux(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('service') service?: string,
    @Query('namespace') namespace?: string,
    @Query('environment') environment?: string,
  ): Promise<Record<string, unknown>> {
    const reply = await this.flux.receive(normaliseHeaders(req.headers), body(req), {
      service: nonEmpty(service),
      namespace: nonEmpty(namespace),
      environment: nonEmpty(environment),
    });
    res.status(reply.status);
    return reply.body;
  }

  /** Opsgenie's Webhook integration; `?service=` and `?environment=` as for PagerDuty. */
  @Post('webhooks/opsgenie')
  receiveOpsgenie(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('service') service?: string,
    @Query('environment') environment?: string,
  ): Promise<Record<string, unknown>> {
    return this.tokenIncident('opsgenie', req, res, { service, environment }, mapOpsgenieDelivery);
  }

  /** Grafana OnCall / Grafana IRM outgoing webhooks; `?service=` and `?environment=` as above. */
  @Post('webhooks/grafana-oncall')
  receiveGrafanaOncall(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('service') service?: string,
    @Query('environment') environment?: string,
  ): Promise<Record<string, unknown>> {
    return this.tokenIncident(
      'grafana_oncall',
      req,
      res,
      { service, environment },
      mapGrafanaOncallDelivery,
    );
  }

  /** incident.io webhooks (Svix, Standard Webhooks signature); `?service=` and `?environment=` as above. */
  @Post('webhooks/incident-io')
  async receiveIncidentIo(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Query('service') service?: string,
    @Query('environment') environment?: string,
  ): Promise<Record<string, unknown>> {
    const reply = await this.incidentIo.receive(
      normaliseHeaders(req.headers),
      body(req),
      { service: nonEmpty(service), environment: nonEmpty(environment) },
      new Date(),
    );
    res.status(reply.status);
    return reply.body;
  }

  /** A token-authenticated incident tool's delivery, mapped with the URL's service/environment. */
  private async tokenIncident(
    source: 'opsgenie' | 'grafana_oncall',
    req: RawBodyRequest<Request>,
    res: Response,
    query: { service?: string; environment?: string },
    map: (
      payload: unknown,
      raw: Buffer,
      options: { service?: string; environment?: string },
    ) => MappedDelivery,
  ): Promise<Record<string, unknown>> {
    const raw = body(req);
    const options = { service: nonEmpty(query.service), environment: nonEmpty(query.environment) };
    const reply = await this.tokenIncidents.receive(
      source,
      normaliseHeaders(req.headers),
      raw,
      (payload) => map(payload, raw, options),
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
