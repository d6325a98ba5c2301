import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import type { AppConfig } from '../../config/config.schema.js';
import { graphqlMetricsPlugin } from '../../observability/graphql-metrics.plugin.js';
import { formatGraphqlError } from './errors.js';
import { stringLiteralRule, variablesPlugin } from './input.plugin.js';
import { complexityLimitPlugin, limitRules, parseOptions, type GraphqlLimits } from './limits.js';
import { DateTimeScalar } from './scalars.js';

export const graphqlLimits = (config: AppConfig): GraphqlLimits => ({
  maxTokens: config.graphqlMaxTokens,
  maxDepth: config.graphqlMaxDepth,
  maxAliases: config.graphqlMaxAliases,
  maxDirectives: config.graphqlMaxDirectives,
  maxCost: config.graphqlMaxCost,
});

/**
 * Code-first GraphQL at POST /graphql; the printed schema is committed as schema.graphql. Every
 * limit is configured here, once: parsing stops at the token limit, validation refuses documents
 * over the depth/alias/directive/cost limits and strings no column can hold, and the variables
 * are checked before anything reads them. Anonymous requests are gated before all of this
 * (src/auth/anonymous-graphql.gate.ts).
 */
export function graphqlOptions(config: AppConfig): ApolloDriverConfig {
  const limits = graphqlLimits(config);
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: config.graphqlIntrospection,
    introspection: config.graphqlIntrospection,
    context: ({ req }: { req: unknown }) => ({ req }),
    formatError: formatGraphqlError,
    parseOptions: parseOptions(limits),
    validationRules: [...limitRules(limits), stringLiteralRule],
    plugins: [graphqlMetricsPlugin, variablesPlugin, complexityLimitPlugin(limits.maxCost)],
    // Every `Date` field uses the strict DateTime scalar of scalars.ts.
    buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
  };
}
