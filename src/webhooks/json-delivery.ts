import { MappingError, parseWebhookJson } from './webhook-mapping.js';
import { mappingRefusal } from './webhooks.errors.js';

/**
 * The JSON body of a delivery; 400 MALFORMED_PAYLOAD when it is not JSON, 400 PAYLOAD_TOO_DEEP
 * when it nests deeper than `maxDepth` (SHIPWATCH_JSON_MAX_DEPTH).
 */
export function parseJsonBody(rawBody: Buffer, maxDepth: number): unknown {
  return mapOrRefuse(() => parseWebhookJson(rawBody, 'the body', maxDepth));
}

/** Runs a pure mapper; a MappingError (not the shape the vendor documents) becomes a 400. */
export function mapOrRefuse<T>(map: () => T): T {
  try {
    return map();
  } catch (error) {
    if (error instanceof MappingError) throw mappingRefusal(error);
    throw error;
  }
}
