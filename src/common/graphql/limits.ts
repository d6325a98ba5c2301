import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getVariableValues,
  GraphQLError,
  isLeafType,
  Kind,
  TypeInfo,
  typeFromAST,
  ValidationContext,
  visit,
  visitWithTypeInfo,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import {
  createComplexityRule,
  fieldExtensionsEstimator,
  simpleEstimator,
} from 'graphql-query-complexity';

export const MAX_DEPTH = 10;
export const MAX_ALIASES = 30;
export const MAX_COMPLEXITY = 5_000;

const limitError = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

/** Refuses documents nested deeper than `max` (fragments are followed). */
export function depthLimit(max = MAX_DEPTH): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          deepest = Math.max(deepest, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, seen));
        } else {
          const name = sel.name.value;
          if (seen.has(name)) continue;
          deepest = Math.max(
            deepest,
            depthOf(fragments.get(name)?.selectionSet, new Set([...seen, name])),
          );
        }
        if (deepest > max) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max)
          context.reportError(limitError(`query depth ${depth} exceeds the limit of ${max}`));
      },
    };
  };
}

/** Refuses alias floods (one field requested under many names). */
export function aliasLimit(max = MAX_ALIASES): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(limitError(`more than ${max} aliases in one document`));
        }
      },
    };
  };
}

/** Refuses operations whose estimated cost (list fields count `first`/`limit` items) is too high. */
export function complexityLimitPlugin(max = MAX_COMPLEXITY): ApolloServerPlugin {
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
