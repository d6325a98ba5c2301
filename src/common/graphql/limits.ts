import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

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
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              operationName: request.operationName,
              variables: request.variables,
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // Variables that do not fit the schema: Apollo refuses them next, as BAD_USER_INPUT.
            if (error instanceof GraphQLError) return;
            throw error;
          }
          if (complexity > max) {
            throw limitError(`query complexity ${complexity} exceeds the limit of ${max}`);
          }
        },
      };
    },
  };
}
