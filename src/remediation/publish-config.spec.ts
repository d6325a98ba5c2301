import { ConfigError, loadConfig } from '../config/config.schema.js';

/** The publishing settings are refused at startup unless each named tool is configured. */
describe('PUBLISH_DEPLOYMENTS_* configuration', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('is off by default and selects the production tier', () => {
    const config = loadConfig({});
    expect(config.publishDeploymentsTo).toEqual([]);
    expect(config.publishDeploymentsEnvironments).toEqual(['tier:production']);
  });

  it('reads the tools and the environments', () => {
    const config = loadConfig({
      PUBLISH_DEPLOYMENTS_TO: 'Slack, grafana,slack',
      PUBLISH_DEPLOYMENTS_ENVIRONMENTS: 'tier:production, prod-eu',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
      GRAFANA_URL: 'https://grafana.example.com/grafana/',
      GRAFANA_API_TOKEN: 'glsa_0123456789',
    });
    expect(config.publishDeploymentsTo).toEqual(['slack', 'grafana']);
    expect(config.publishDeploymentsEnvironments).toEqual(['tier:production', 'prod-eu']);
    expect(config.grafanaUrl).toBe('https://grafana.example.com/grafana');
  });

  it('refuses unknown tools and tiers', () => {
    expect(problems({ PUBLISH_DEPLOYMENTS_TO: 'pagerduty,teams' })).toEqual([
      'PUBLISH_DEPLOYMENTS_TO="pagerduty,teams" is invalid: expected a comma-separated list of pagerduty, grafana, slack',
    ]);
    expect(problems({ PUBLISH_DEPLOYMENTS_ENVIRONMENTS: 'tier:prod' })).toEqual([
      'PUBLISH_DEPLOYMENTS_ENVIRONMENTS="tier:prod" is invalid: expected a comma-separated list of environment names and tier:<tier> entries',
    ]);
  });

  it('refuses a tool whose settings are missing, naming them', () => {
    expect(problems({ PUBLISH_DEPLOYMENTS_TO: 'pagerduty,grafana,slack' })).toEqual([
      'PUBLISH_DEPLOYMENTS_TO names pagerduty, which needs PAGERDUTY_ROUTING_KEY',
      'PUBLISH_DEPLOYMENTS_TO names grafana, which needs GRAFANA_URL and GRAFANA_API_TOKEN',
      'PUBLISH_DEPLOYMENTS_TO names slack, which needs SLACK_WEBHOOK_URL',
    ]);
    expect(
      problems({
        PUBLISH_DEPLOYMENTS_TO: 'pagerduty',
        PAGERDUTY_ROUTING_KEY: 'pd-key',
        PAGERDUTY_EVENTS_URL: 'https://events.example.com/hook',
      }),
    ).toEqual([
      'PUBLISH_DEPLOYMENTS_TO names pagerduty: PAGERDUTY_EVENTS_URL must end with /v2/enqueue (change events go to /v2/change/enqueue beside it)',
    ]);
  });

  it('never echoes the Grafana token', () => {
    expect(problems({ GRAFANA_API_TOKEN: 'short' })).toEqual([
      'GRAFANA_API_TOKEN="***" is invalid: expected at least 8 characters',
    ]);
  });
});
