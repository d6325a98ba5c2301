import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isAbstractType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** A syntactically and type-valid operation for one root field, for walking the whole schema. */
export interface RootOperation {
  readonly kind: 'query' | 'mutation';
  readonly field: string;
  readonly document: string;
  readonly variables: Record<string, unknown>;
}

const SCALAR_SAMPLES: Record<string, unknown> = {
  String: 'x',
  ID: '1',
  Int: 1,
  Float: 1,
  Boolean: true,
  DateTime: '2026-01-01T00:00:00Z',
  JSON: {},
};

/** A value that passes GraphQL's own input coercion (resolvers may still refuse it). */
export function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [sampleValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isScalarType(type)) return SCALAR_SAMPLES[type.name] ?? 'x';
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    const fields = Object.values(type.getFields());
    const required = fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    // @oneOf-style inputs with no required field: give the first field so the input is not empty.
    for (const f of required.length > 0 ? required : fields.slice(0, 1))
      value[f.name] = sampleValue(f.type);
    return value;
  }
  return null;
}

function selection(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return isObjectType(named) || isAbstractType(named) ? ' { __typename }' : '';
}

function operationFor(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
): RootOperation {
  const args = field.args.filter(
    (a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined,
  );
  const decls = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const uses = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return {
    kind,
    field: field.name,
    document: `${kind}${decls ? ` (${decls})` : ''} { ${field.name}${uses ? `(${uses})` : ''}${selection(field)} }`,
    variables: Object.fromEntries(args.map((a) => [a.name, sampleValue(a.type)])),
  };
}

export function rootOperations(schema: GraphQLSchema): RootOperation[] {
  const queries = Object.values(schema.getQueryType()?.getFields() ?? {}).map((f) =>
    operationFor('query', f),
  );
  const mutations = Object.values(schema.getMutationType()?.getFields() ?? {}).map((f) =>
    operationFor('mutation', f),
  );
  return [...queries, ...mutations];
}
