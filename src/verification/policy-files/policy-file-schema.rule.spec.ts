import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { freezeWindowFileSchema, policyFileSchema } from './policy-file-schema.rule.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('the verification policy file schema', () => {
  it('is the committed schemas/verification-policy.schema.json (regenerate it when this fails)', () => {
    const generated = policyFileSchema(
      buildSchema(readFileSync(join(ROOT, 'schema.graphql'), 'utf8')),
    );
    const committed: unknown = JSON.parse(
      readFileSync(join(ROOT, 'schemas', 'verification-policy.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(generated);
  });

  it('holds the input fields, rollback target secrets only by reference, and refuses unknown ones', () => {
    const schema = policyFileSchema(
      buildSchema(readFileSync(join(ROOT, 'schema.graphql'), 'utf8')),
    );
    expect(Object.keys(schema.properties as object)).toEqual([
      'alertChannels',
      'analysis',
      'checks',
      'environment',
      'lateRegressionRollback',
      'mode',
      'namespace',
      'rollbackTarget',
      'service',
      'slis',
      'targetLabel',
      'timing',
    ]);
    expect(schema.additionalProperties).toBe(false);
    const target = (schema.properties as Record<string, { properties: object }>).rollbackTarget;
    expect(Object.keys(target.properties)).not.toContain('secret');
    expect(Object.keys(target.properties)).not.toContain('token');
    expect(Object.keys(target.properties)).toEqual(
      expect.arrayContaining(['kind', 'url', 'secretFrom', 'tokenFrom']),
    );
    expect(schema.required).toEqual(['environment', 'service']);
  });

  it('of freeze windows is the committed schemas/freeze-window.schema.json: createFreezeWindow less activeFrom/activeUntil, kind required', () => {
    const generated = freezeWindowFileSchema(
      buildSchema(readFileSync(join(ROOT, 'schema.graphql'), 'utf8')),
    );
    const committed: unknown = JSON.parse(
      readFileSync(join(ROOT, 'schemas', 'freeze-window.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(generated);
    expect(Object.keys(generated.properties as object).sort()).toEqual([
      'cron',
      'durationMinutes',
      'environment',
      'kind',
      'name',
      'namespace',
      'reason',
      'service',
      'timeZone',
    ]);
    expect(generated.required).toEqual([
      'kind',
      'cron',
      'durationMinutes',
      'name',
      'reason',
      'timeZone',
    ]);
    expect(generated.additionalProperties).toBe(false);
  });
});
