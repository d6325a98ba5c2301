import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { parseTimestamp } from '../time.js';

const badInput = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

function toDate(value: unknown): Date {
  if (typeof value !== 'string') throw badInput('DateTime must be a string');
  const parsed = parseTimestamp(value);
  if (!parsed.ok) throw badInput(`invalid DateTime ${JSON.stringify(value)}: ${parsed.reason}`);
  return parsed.date;
}

/**
 * RFC 3339 date-time with an explicit offset (`Z` or `+02:00`). Impossible dates (2026-02-30)
 * and offset-less strings are refused instead of being guessed. Used for every `Date` field.
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description:
    'An RFC 3339 date-time with an offset, e.g. 2026-11-29T23:30:00+01:00; returned in UTC',
  parseValue: toDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be a string');
    return toDate(ast.value);
  },
  serialize: (value) => {
    if (value instanceof Date) return value.toISOString();
    return toDate(value).toISOString();
  },
});

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function literalToJson(ast: ValueNode, variables: Record<string, unknown>): JsonValue {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(
        ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]),
      );
    case Kind.VARIABLE:
      return (variables[ast.name.value] ?? null) as JsonValue;
  }
}

/** Any JSON value (evidence, raw payloads, extensions). */
export const JsonScalar = new GraphQLScalarType<JsonValue, JsonValue>({
  name: 'JSON',
  description: 'Any JSON value',
  parseValue: (value) => value as JsonValue,
  parseLiteral: (ast, variables) => literalToJson(ast, variables ?? {}),
  serialize: (value) => value as JsonValue,
});
