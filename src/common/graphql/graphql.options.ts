import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import { graphqlMetricsPlugin } from '../../observability/graphql-metrics.plugin.js';
import { formatGraphqlError } from './errors.js';
import { aliasLimit, complexityLimitPlugin, depthLimit } from './limits.js';
import { DateTimeScalar } from './scalars.js';

/** Code-first GraphQL at POST /graphql; the printed schema is committed as schema.graphql. */
export function graphqlOptions(): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: true,
    introspection: true,
    context: ({ req }: { req: unknown }) => ({ req }),
    formatError: formatGraphqlError,
    validationRules: [depthLimit(), aliasLimit()],
    plugins: [graphqlMetricsPlugin, complexityLimitPlugin()],
    // Every `Date` field uses the strict DateTime scalar of scalars.ts.
    buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
  };
}
