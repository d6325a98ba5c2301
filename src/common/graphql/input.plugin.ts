import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type ValidationRule } from 'graphql';
import { badInputValue, badString } from './input.rule.js';

const badUserInput = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/**
 * The edge check of input.rule.ts for every string literal of a document, in the validation
 * pass (one visit of each literal, whatever field or filter it is for).
 */
export const stringLiteralRule: ValidationRule = (context) => ({
  StringValue(node) {
    const reason = badString(node.value);
    if (reason) context.reportError(badUserInput(`a string argument contains ${reason}`));
  },
});

/**
 * The same check for the variables, before anything else reads them (cost estimate, coercion,
 * resolvers): refused as BAD_USER_INPUT with HTTP 400, so no field needs its own check.
 */
export const variablesPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request }) {
        for (const [name, value] of Object.entries(request.variables ?? {})) {
          const bad = badInputValue(value, `$${name}`);
          if (bad) throw badUserInput(`variable ${bad.path} contains ${bad.reason}`);
        }
      },
    };
  },
};
