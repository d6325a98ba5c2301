import type { ApolloServerPlugin } from '@apollo/server';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  getNamedType,
  getVariableValues,
  GraphQLError,
  isLeafType,
  TypeInfo,
  typeFromAST,
  ValidationContext,
  visit,
  visitWithTypeInfo,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import {
  createComplexityRule,
  fieldExtensionsEstimator,
  simpleEstimator,
} from 'graphql-query-complexity';

/** The limits every GraphQL document of a token holder must fit (configuration: README). */
export interface GraphqlLimits {
  readonly maxTokens: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxCost: number;
}

/** Tokens an anonymous document may have: enough for any `serverInfo` query. */
export const ANONYMOUS_MAX_TOKENS = 200;

/** A refused document: HTTP 400 with a stable code. */
export const limitError = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });

/**
 * graphql-js's message when `maxTokens` stops the parser ("more that" in graphql 16), which
 * Apollo answers as a parse error.
 */
export const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens/;

/** Parsing stops after `maxTokens` tokens (graphql-js's own bound), so it costs O(maxTokens). */
export function parseOptions(limits: GraphqlLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/**
 * Depth, alias, directive and cost limits from graphql-armor. Each follows fragment spreads with
 * a per-fragment memo, so a fragment that spreads the next one twice, 22 levels deep, costs 22
 * steps instead of 2^22; introspection counts like any other field. A refusal is reported as a
 * validation error coded QUERY_TOO_COMPLEX (armor's own errors carry no code).
 */
export function limitRules(limits: GraphqlLimits): ValidationRule[] {
  const report = (what: string) => ({
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(
          limitError(`${what}: ${error.message.replace(/^Syntax Error: /, '')}`),
        ),
    ],
  });
  return [
    maxDepthRule({
      n: limits.maxDepth,
      flattenFragments: true,
      ignoreIntrospection: false,
      ...report('too deep'),
    }),
    maxAliasesRule({ n: limits.maxAliases, ...report('too many aliases') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...report('too many directives') }),
    // Every field costs 1 each time a fragment brings it in: a bound on the expanded document
    // that the list-aware estimate below may then walk.
    costLimitRule({
      maxCost: limits.maxCost,
      objectCost: 1,
      scalarCost: 1,
      depthCostFactor: 1,
      flattenFragments: true,
      ignoreIntrospection: false,
      ...report('too costly'),
    }),
  ];
}

/**
 * Refuses operations whose estimated cost is too high, where list fields count `first` (or their
 * own estimator, e.g. doraMetrics' bucket count) times an item's cost: graphql-query-complexity
 * with the variables of this request. It runs after the rules above, so the document it expands
 * is already known to be small.
 */
export function complexityLimitPlugin(max: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          // No operation of that name (or several without a name): Apollo answers that itself.
          if (!operation) return;
          const complexity = complexityOf(schema, document, operation, request.variables ?? {});
          // Variables that do not fit the schema: Apollo refuses them next, as BAD_USER_INPUT.
          if (complexity === undefined) return;
          if (complexity > max) {
            throw limitError(`query complexity ${complexity} exceeds the limit of ${max}`);
          }
        },
      };
    },
  };
}

/**
 * The estimated cost of `operation`. The estimators read leaf arguments only (`first`), so only
 * variables of leaf types are coerced here; input objects (an `ingestEvents` batch of a thousand
 * events) are left as sent, for graphql-js to coerce once, at execution, rather than twice.
 * undefined: the leaf variables do not fit their types.
 */
function complexityOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number | undefined {
  const leaves = (operation.variableDefinitions ?? []).filter((d) => {
    const type = typeFromAST(schema, d.type);
    return type !== undefined && isLeafType(getNamedType(type));
  });
  const coerced = getVariableValues(schema, leaves, variables);
  if (coerced.errors) return undefined;
  const typeInfo = new TypeInfo(schema);
  const errors: GraphQLError[] = [];
  const context = new ValidationContext(schema, document, typeInfo, (e) => errors.push(e));
  // The library's visitor (it does not export its class), entered with the prepared variables
  // for this one operation.
  const visitor = createComplexityRule({
    maximumComplexity: Number.MAX_SAFE_INTEGER,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  })(context) as unknown as ComplexityVisitor;
  visitor.OperationDefinition = {
    enter: (node: OperationDefinitionNode) => {
      if (node !== operation) return;
      visitor.variableValues = { ...variables, ...coerced.coerced };
      const root = {
        query: schema.getQueryType(),
        mutation: schema.getMutationType(),
        subscription: schema.getSubscriptionType(),
      }[node.operation];
      visitor.complexity += visitor.nodeComplexity(node, root ?? undefined);
    },
  };
  visit(document, visitWithTypeInfo(typeInfo, visitor));
  return errors.length > 0 ? undefined : visitor.complexity;
}

/** The public fields of graphql-query-complexity's QueryComplexity visitor used here. */
type ComplexityVisitor = ASTVisitor & {
  complexity: number;
  variableValues: Record<string, unknown>;
  OperationDefinition: { enter: (node: OperationDefinitionNode) => void };
  nodeComplexity(node: OperationDefinitionNode, type: GraphQLObjectType | undefined): number;
};
