/**
 * The committed schemas/verification-policy.schema.json and schemas/freeze-window.schema.json as
 * checks of parsed files (ajv).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { packageRoot } from '../../webhooks/cloudevents/cdevents.schemas.js';
import type { FileChecks, SchemaCheck } from './policy-file.rule.js';

export function policyFileCheck(file = 'verification-policy.schema.json'): SchemaCheck {
  const schema: unknown = JSON.parse(readFileSync(join(packageRoot(), 'schemas', file), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema as object);
  return (data) => (validate(data) ? [] : (validate.errors ?? []));
}

/** The check of each kind of policy file. */
export const policyFileChecks = (): FileChecks => ({
  policy: policyFileCheck(),
  freezeWindow: policyFileCheck('freeze-window.schema.json'),
});
