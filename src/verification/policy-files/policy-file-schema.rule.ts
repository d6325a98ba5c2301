/**
 * The JSON Schema of a verification policy file (schemas/verification-policy.schema.json),
 * derived from the GraphQL input `SaveVerificationPolicyInput` so that the two cannot drift
 * (policy-file-schema.rule.spec.ts regenerates it from schema.graphql). A file holds what the
 * mutation takes, less the inline secrets of a rollback target (files give them by reference,
 * `secretFrom`/`tokenFrom`) and `clearRollbackTarget`; an unknown field is an error.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** Fields of the mutation input that files do not hold, by path: secrets are never inline. */
export const FIELDS_NOT_IN_FILES = [
  'clearRollbackTarget',
  'rollbackTarget.secret',
  'rollbackTarget.token',
] as const;

export const POLICY_FILE_SCHEMA_ID =
  'https://shipwatch.dev/schemas/verification-policy.schema.json';

type JsonSchema = Record<string, unknown>;

const SCALARS: Record<string, JsonSchema> = {
  String: { type: 'string' },
  Int: { type: 'integer' },
  Float: { type: 'number' },
  Boolean: { type: 'boolean' },
};

function typeSchema(type: GraphQLInputType, path: string, omit: readonly string[]): JsonSchema {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return { type: 'array', items: typeSchema(inner.ofType, path, omit) };
  if (isEnumType(inner)) return { type: 'string', enum: inner.getValues().map((v) => v.name) };
  if (isInputObjectType(inner)) return objectSchema(inner, omit, path);
  if (isScalarType(inner) && SCALARS[inner.name]) return { ...SCALARS[inner.name] };
  throw new Error(`no JSON Schema for GraphQL type ${getNamedType(inner).name}`);
}

function objectSchema(
  type: GraphQLInputObjectType,
  omit: readonly string[],
  path = '',
): JsonSchema {
  const at = (name: string): string => (path ? `${path}.${name}` : name);
  const fields = Object.values(type.getFields())
    .filter((f) => !omit.includes(at(f.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
  const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
  return {
    type: 'object',
    ...(type.description ? { description: type.description } : {}),
    additionalProperties: false,
    ...(required.length > 0 ? { required } : {}),
    properties: Object.fromEntries(
      fields.map((f) => [
        f.name,
        {
          ...(f.description ? { description: f.description } : {}),
          ...typeSchema(f.type, at(f.name), omit),
        },
      ]),
    ),
  };
}

/** Fields of FreezeWindowInput that files do not hold: a window from files is in force from its apply. */
export const FREEZE_FIELDS_NOT_IN_FILES = ['activeFrom', 'activeUntil'] as const;

export const FREEZE_WINDOW_FILE_SCHEMA_ID =
  'https://shipwatch.dev/schemas/freeze-window.schema.json';

/** The kind that tells a freeze window file from a verification policy file (which has none). */
export const FREEZE_WINDOW_KIND = 'FreezeWindow';

/** The freeze window file schema (schemas/freeze-window.schema.json) from FreezeWindowInput. */
export function freezeWindowFileSchema(schema: GraphQLSchema): JsonSchema {
  const input = schema.getType('FreezeWindowInput');
  if (!isInputObjectType(input)) throw new Error('FreezeWindowInput is missing');
  const body = objectSchema(input, FREEZE_FIELDS_NOT_IN_FILES);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: FREEZE_WINDOW_FILE_SCHEMA_ID,
    title: 'Shipwatch freeze window',
    ...body,
    required: ['kind', ...(body.required as string[])],
    properties: {
      kind: { description: 'Tells the file from a verification policy', const: FREEZE_WINDOW_KIND },
      ...(body.properties as JsonSchema),
    },
    description:
      'One recurring freeze window per file (`shipwatch policy diff|apply|export -f dir/`), matched by its name: the fields of the createFreezeWindow mutation less activeFrom/activeUntil',
  };
}

/** The file schema from the GraphQL schema the server serves. */
export function policyFileSchema(schema: GraphQLSchema): JsonSchema {
  const input = schema.getType('SaveVerificationPolicyInput');
  if (!isInputObjectType(input)) throw new Error('SaveVerificationPolicyInput is missing');
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: POLICY_FILE_SCHEMA_ID,
    title: 'Shipwatch verification policy',
    ...objectSchema(input, FIELDS_NOT_IN_FILES),
    description:
      'One verification policy per file (`shipwatch policy diff|apply|export -f dir/`): the fields of the saveVerificationPolicy mutation; rollback target secrets only by reference (secretFrom/tokenFrom: { env })',
  };
}
