import { Inject, Injectable } from '@nestjs/common';
import { bearerToken } from '../../auth/principal.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { parseTimestamp } from '../../common/time.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { IngestTokenAuthenticator } from '../ingest-token.js';
import {
  type DeliveryOutcome,
  type WebhookReply,
  WebhookIntakeService,
  replyBody,
} from '../webhook-intake.service.js';
import { type Headers, type MappedDelivery, MappingError } from '../webhook-mapping.js';
import { malformedPayload } from '../webhooks.errors.js';
import { mapOrRefuse } from '../json-delivery.js';
import { cloudEventDedupeKey, contextMismatches, mapCdevent } from './cdevents.mapper.js';
import { CdeventsSchemas, SCHEMA_SETS } from './cdevents.schemas.js';
import { type ReceivedCloudEvent, parseCloudEvents } from './cloudevents.parser.js';

/**
 * POST /cloudevents: CloudEvents 1.0 over HTTP in binary, structured and batch modes, from
 * callers holding an API token with the ingest scope or CLOUDEVENTS_TOKEN. CDEvents of every
 * release since v0.2.0 are validated against the schema of their type in the release they name
 * and mapped; a spec version that is no such release is refused (400
 * UNSUPPORTED_CDEVENTS_VERSION); other CloudEvents are stored raw (202).
 * A batch is all-or-nothing: every event is checked (shape, schema, then ingestion's
 * validation) before any is stored, and one bad event refuses the whole batch with 400.
 * Dedupe key: the CloudEvent's id within its source (the spec makes source + id unique).
 */
@Injectable()
export class CloudEventsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: IngestTokenAuthenticator,
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
      await this.auth.authenticate(
        presentedToken(headers.authorization, accessToken),
        '/cloudevents',
        { name: 'CLOUDEVENTS_TOKEN', value: this.config.cloudeventsToken },
      );
      const events = mapOrRefuse(() =>
        parseCloudEvents(headers, rawBody, this.config.jsonMaxDepth),
      );
      const batch = events.length > 1 || events[0].mode === 'batch';
      const problems: (Problem & { index?: number; id: string })[] = [];
      const mapped = events.map((event, index) => {
        const result = this.map(event);
        if ('problem' in result) {
          problems.push({ ...(batch ? { index } : {}), id: event.id, ...result.problem });
        }
        return result;
      });
      if (problems.length === 1 && !batch && problems[0].code) {
        throw new DomainError(problems[0].code, problems[0].message, { httpStatus: 400 });
      }
      if (problems.length > 0) {
        throw malformedPayload(
          batch
            ? `${problems.length} of ${events.length} events are malformed; none was stored: ${problems[0].message}`
            : problems[0].message,
          batch ? { problems } : problems[0].errors ? { errors: problems[0].errors } : undefined,
        );
      }
      if (!batch) {
        const m = mapped[0] as MappedDelivery;
        return this.intake.reply(
          await this.intake.deliver(
            'cloudevents',
            'cloudevents',
            m,
            headers,
            events[0].stored,
            'refuse',
          ),
        );
      }
      const outcomes = await this.intake.deliverAll(
        'cloudevents',
        'cloudevents',
        events.map((event, i) => ({ mapped: mapped[i] as MappedDelivery, payload: event.stored })),
        headers,
      );
      return batchReply(outcomes);
    });
  }

  /** The mapped delivery, or why the event is malformed. */
  private map(event: ReceivedCloudEvent): MappedDelivery | { problem: Problem } {
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
      // the data names no spec version: the legacy Jenkins plugin's pre-v0.1 events carry their
      // facts in ce-* extension attributes and no CDEvent body
      return stored(
        `${event.type} is stored; its data is no CDEvent (no context.specversion or context.version), so Shipwatch cannot apply it`,
      );
    }
    if ('unsupportedVersion' in check) {
      return {
        problem: {
          code: 'UNSUPPORTED_CDEVENTS_VERSION',
          message: `CDEvents spec version ${JSON.stringify(check.unsupportedVersion)} is not one Shipwatch validates (${SCHEMA_SETS.join(', ')}); send a released version`,
        },
      };
    }
    if ('unknownType' in check) {
      return {
        problem: {
          message: `CDEvents ${check.release} defines no event type ${check.unknownType} (the type's version must be the one that release gives it)`,
        },
      };
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

/** Why an event is refused; `code` when it is not MALFORMED_PAYLOAD. */
interface Problem {
  readonly message: string;
  readonly errors?: string[];
  readonly code?: 'UNSUPPORTED_CDEVENTS_VERSION';
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
 * One result per event, in order: 200 when all were applied or duplicates, 202 when some were
 * only stored. (A batch with an invalid event stores nothing: WebhookIntakeService.deliverAll.)
 */
function batchReply(outcomes: readonly DeliveryOutcome[]): WebhookReply {
  const results = outcomes.map((o, index) => ({ index, ...replyBody(o) }));
  return {
    status: outcomes.some((o) => o.result === 'STORED') ? 202 : 200,
    body: { results },
  };
}
