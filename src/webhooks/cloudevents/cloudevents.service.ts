import { Inject, Injectable } from '@nestjs/common';
import { ApiTokenService } from '../../auth/api-token.service.js';
import { bearerToken, hasScope } from '../../auth/principal.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { parseTimestamp } from '../../common/time.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { safeEqual } from '../signatures.js';
import {
  type DeliveryOutcome,
  type WebhookReply,
  WebhookIntakeService,
  replyBody,
} from '../webhook-intake.service.js';
import { type Headers, type MappedDelivery, MappingError } from '../webhook-mapping.js';
import { malformedPayload } from '../webhooks.errors.js';
import { cloudEventDedupeKey, contextMismatches, mapCdevent } from './cdevents.mapper.js';
import { CdeventsSchemas } from './cdevents.schemas.js';
import { type ReceivedCloudEvent, parseCloudEvents } from './cloudevents.parser.js';

/**
 * POST /cloudevents: CloudEvents 1.0 over HTTP in binary, structured and batch modes, from
 * callers holding an API token with the ingest scope or CLOUDEVENTS_TOKEN. CDEvents (v0.4.x,
 * v0.5.x) are validated against the vendored schema of their exact type and mapped; other
 * CloudEvents, and CDEvents of versions without a vendored schema, are stored raw (202).
 * Every event of a batch is checked before any is stored: one malformed event refuses the batch.
 */
@Injectable()
export class CloudEventsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: ApiTokenService,
    private readonly schemas: CdeventsSchemas,
    private readonly intake: WebhookIntakeService,
  ) {}

  /** `accessToken`: the `?access_token=` query parameter, for producers that cannot set headers. */
  receive(
    headers: Headers,
    rawBody: Buffer,
    receivedAt: Date,
    accessToken?: string,
  ): Promise<WebhookReply> {
    return this.intake.handle('cloudevents', async () => {
      await this.authenticate(presentedToken(headers.authorization, accessToken));
      let events: ReceivedCloudEvent[];
      try {
        events = parseCloudEvents(headers, rawBody);
      } catch (error) {
        if (error instanceof MappingError) throw malformedPayload(error.message);
        throw error;
      }
      const batch = events.length > 1 || events[0].mode === 'batch';
      const problems: { index?: number; id: string; message: string; errors?: string[] }[] = [];
      const mapped = events.map((event, index) => {
        const result = this.map(event);
        if ('problem' in result) {
          problems.push({ ...(batch ? { index } : {}), id: event.id, ...result.problem });
        }
        return result;
      });
      if (problems.length > 0) {
        throw malformedPayload(
          batch
            ? `${problems.length} of ${events.length} events are malformed; none was stored: ${problems[0].message}`
            : problems[0].message,
          batch ? { problems } : problems[0].errors ? { errors: problems[0].errors } : undefined,
        );
      }
      const outcomes: DeliveryOutcome[] = [];
      for (const [i, event] of events.entries()) {
        const m = mapped[i] as MappedDelivery;
        outcomes.push(
          await this.intake.deliver(
            'cloudevents',
            'cloudevents',
            m,
            headers,
            event.stored,
            'refuse',
          ),
        );
      }
      return batch ? batchReply(outcomes) : this.intake.reply(outcomes[0]);
    });
  }

  private async authenticate(token: string | undefined): Promise<void> {
    if (!token) {
      throw new DomainError(
        'UNAUTHENTICATED',
        'send "Authorization: Bearer <token>" with an API token of the ingest scope or CLOUDEVENTS_TOKEN',
      );
    }
    const shared = this.config.cloudeventsToken;
    if (shared && safeEqual(token, shared)) return;
    const principal = await this.tokens.authenticate(token);
    if (!principal) throw new DomainError('UNAUTHENTICATED', 'the token is unknown or revoked');
    if (!hasScope(principal, 'ingest')) {
      throw new DomainError('FORBIDDEN', 'posting CloudEvents needs a token with the ingest scope');
    }
  }

  /** The mapped delivery, or why the event is malformed. */
  private map(
    event: ReceivedCloudEvent,
  ): MappedDelivery | { problem: { message: string; errors?: string[] } } {
    const stored = (note: string): MappedDelivery => ({
      kind: event.type,
      source: event.source,
      dedupeKey: cloudEventDedupeKey(event),
      occurredAt: event.time ? timeOf(event.time) : undefined,
      events: [],
      note,
    });
    if (!event.type.startsWith('dev.cdevents.')) {
      return stored(`${event.type} is not a CDEvent; stored as received`);
    }
    const check = this.schemas.check(event.type, event.data);
    if (!check) {
      return stored(
        `${event.type} is stored; Shipwatch validates and applies the CDEvents types of v0.5.x and v0.4.x`,
      );
    }
    const mismatches = contextMismatches(event);
    if (mismatches.length > 0) return { problem: { message: mismatches.join('; ') } };
    if (check.errors) {
      return {
        problem: {
          message: `the CDEvent does not match the CDEvents ${check.release} schema of ${event.type}: ${check.errors.join('; ')}`,
          errors: [...check.errors],
        },
      };
    }
    try {
      return mapCdevent(event);
    } catch (error) {
      if (error instanceof MappingError) return { problem: { message: error.message } };
      throw error;
    }
  }
}

/**
 * The token a caller presents: `Authorization: Bearer <token>`; `Authorization: Basic` with the
 * token as password (a sink URL `https://shipwatch:<token>@host/cloudevents`, which Go clients
 * such as Tekton's turn into this header); else the RFC 6750 `access_token` query parameter.
 */
export function presentedToken(
  authorization: string | undefined,
  accessToken: string | undefined,
): string | undefined {
  const bearer = bearerToken(authorization);
  if (bearer) return bearer;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (decoded.includes(':') && password !== '') return password;
  }
  return accessToken || undefined;
}

function timeOf(value: string): Date | undefined {
  const parsed = parseTimestamp(value);
  return parsed.ok ? parsed.date : undefined;
}

/**
 * One result per event, in order. 200 when all were applied or duplicates, 202 when some were
 * only stored, 400 when ingestion rejected some (the others are stored: a retry finds them
 * DUPLICATE).
 */
function batchReply(outcomes: readonly DeliveryOutcome[]): WebhookReply {
  const results = outcomes.map((o, index) => ({ index, ...replyBody(o) }));
  const rejected = outcomes.filter((o) => o.result === 'REJECTED').length;
  if (rejected > 0) {
    throw new DomainError(
      'INVALID_EVENT',
      `${rejected} of ${outcomes.length} events are invalid; the others were stored`,
      { httpStatus: 400, details: { results } },
    );
  }
  return {
    status: outcomes.some((o) => o.result === 'STORED') ? 202 : 200,
    body: { results },
  };
}
