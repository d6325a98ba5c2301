/** The committed schemas/verification-policy.schema.json as a check of parsed files (ajv). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { packageRoot } from '../../webhooks/cloudevents/cdevents.schemas.js';
import type { SchemaCheck } from './policy-file.rule.js';

export function policyFileCheck(): SchemaCheck {
  const schema: unknown = JSON.parse(
    readFileSync(join(packageRoot(), 'schemas', 'verification-policy.schema.json'), 'utf8'),
  );
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema as object);
  return (data) => (validate(data) ? [] : (validate.errors ?? []));
}
