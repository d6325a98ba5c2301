import { linkProblem, serverUrlProblem } from './url-role.rule.js';

describe('serverUrlProblem', () => {
  it.each([
    'http://localhost:4000',
    'https://shipwatch.example.com',
    'https://tools.example.com/shipwatch/',
    'http://127.0.0.1:39000',
  ])('accepts %s', (url) => {
    expect(serverUrlProblem(url, '--server', {})).toBeNull();
  });

  it.each([
    // The links the CI systems give a job (GitHub run, GitLab pipeline and job, Jenkins build, ...).
    ['https://github.example.com/acme/shop/actions/runs/123456', 'looks like the link of a CI run'],
    ['https://gitlab.example.com/acme/shop/-/pipelines/4711', 'looks like the link of a CI run'],
    ['https://gitlab.example.com/acme/shop/-/jobs/99', 'looks like the link of a CI run'],
    ['https://ci.example.com/job/shop/job/main/42/', 'looks like the link of a CI run'],
    ['https://buildkite.com/acme/shop/builds/12', 'looks like the link of a CI run'],
    ['https://dev.azure.com/acme/shop/_build/results?buildId=3', 'looks like the link of a CI run'],
    ['https://github.com/acme/shop', 'is github.com, not a Shipwatch server'],
    ['https://gitlab.com', 'is gitlab.com, not a Shipwatch server'],
    ['shipwatch:4000', 'must be the http(s) base URL of Shipwatch'],
    ['ftp://shipwatch.example.com', 'must be the http(s) base URL of Shipwatch'],
  ])('refuses %s', (url, why) => {
    expect(serverUrlProblem(url, '--server', {})).toContain(why);
  });

  it('refuses the CI server of the job, named by the variable the CI system sets', () => {
    expect(
      serverUrlProblem('https://jenkins.example.com/', 'SHIPWATCH_URL', {
        JENKINS_URL: 'https://jenkins.example.com/',
      }),
    ).toBe(
      "SHIPWATCH_URL https://jenkins.example.com/ is your CI server (JENKINS_URL), not a Shipwatch server: give Shipwatch's base URL with --server or SHIPWATCH_URL, and the link of the CI run with --link",
    );
    expect(
      serverUrlProblem('https://gitlab.example.com', '--server', {
        CI_SERVER_URL: 'https://gitlab.example.com',
      }),
    ).toContain('(CI_SERVER_URL)');
    expect(
      serverUrlProblem('https://shipwatch.example.com', '--server', {
        CI_SERVER_URL: 'https://gitlab.example.com',
      }),
    ).toBeNull();
  });
});

describe('linkProblem', () => {
  it('accepts the page of a run, a deployment or an incident', () => {
    for (const link of [
      'https://github.com/acme/shop/actions/runs/1',
      'https://gitlab.example.com/acme/shop/-/environments/3/deployments/7',
      'https://acme.pagerduty.com/incidents/Q1',
    ]) {
      expect(linkProblem(link, 'http://shipwatch.example.com:4000')).toBeNull();
    }
  });

  it('refuses the Shipwatch server, its GraphQL endpoint, and what is not a URL', () => {
    const server = 'http://shipwatch.example.com:4000';
    expect(linkProblem('http://shipwatch.example.com:4000', server)).toContain(
      'is the Shipwatch server, not the page the event links to',
    );
    expect(linkProblem('http://shipwatch.example.com:4000/deployments/3', server)).toContain(
      'is the Shipwatch server',
    );
    expect(linkProblem('https://other.example.com/graphql', server)).toContain(
      'is the Shipwatch server',
    );
    expect(linkProblem('run 42', server)).toContain('--link must be an http(s) URL');
    // Another port on the same host is another server.
    expect(linkProblem('http://shipwatch.example.com:8080/job/1/', server)).toBeNull();
  });
});
