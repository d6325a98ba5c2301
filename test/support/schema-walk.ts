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

const required = (a: GraphQLArgument): boolean =>
  isNonNullType(a.type) && a.defaultValue === undefined;

function operationFor(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  extra?: GraphQLArgument,
): RootOperation {
  const args = field.args.filter((a) => required(a) || a === extra);
  const decls = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const uses = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return {
    kind,
    field: field.name,
    document: `${kind}${decls ? ` (${decls})` : ''} { ${field.name}${uses ? `(${uses})` : ''}${selection(field)} }`,
    variables: Object.fromEntries(args.map((a) => [a.name, sampleValue(a.type)])),
  };
}

/** Where a sampled input value holds a String or ID, as paths of keys and indexes. */
function stringPaths(type: GraphQLInputType, value: unknown): (string | number)[][] {
  if (isNonNullType(type)) return stringPaths(type.ofType, value);
  if (isListType(type) && Array.isArray(value))
    return value.flatMap((v, i) => stringPaths(type.ofType, v).map((p) => [i, ...p]));
  if (isScalarType(type)) return type.name === 'String' || type.name === 'ID' ? [[]] : [];
  if (isInputObjectType(type) && typeof value === 'object' && value !== null) {
    const fields = type.getFields();
    return Object.entries(value).flatMap(([k, v]) =>
      stringPaths(fields[k].type, v).map((p) => [k, ...p]),
    );
  }
  return [];
}

function setAt(value: unknown, path: (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head] = setAt(copy[head], rest, leaf);
  return copy;
}

/**
 * For every root operation, one request per place a string argument can take (each String/ID
 * argument, optional ones included, and each String/ID field of the sampled input objects),
 * holding `text` there: how to show that no argument anywhere lets `text` through.
 */
export function stringArgumentCases(
  schema: GraphQLSchema,
  text: string,
): (RootOperation & { readonly at: string })[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const;
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {}).flatMap((field) =>
      field.args.flatMap((arg) => {
        const op = operationFor(kind, field, arg);
        const sample = arg.name in op.variables ? op.variables[arg.name] : sampleValue(arg.type);
        return stringPaths(arg.type, sample).map((path) => ({
          ...op,
          at: [field.name, arg.name, ...path].join('.'),
          variables: { ...op.variables, [arg.name]: setAt(sample, path, text) },
        }));
      }),
    ),
  );
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
