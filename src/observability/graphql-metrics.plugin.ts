import type { ApolloServerPlugin } from '@apollo/server';
import { graphqlRequestDuration } from './metrics.js';

/** Times each GraphQL operation; labels are the operation type and ok/error. */
export const graphqlMetricsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    const end = graphqlRequestDuration.startTimer();
    return {
      async willSendResponse({ operation, errors }) {
        end({
          operation: operation?.operation ?? 'invalid',
          result: errors?.length ? 'error' : 'ok',
        });
      },
    };
  },
};
