import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  GITHUB_TEST_SECRET,
  GITLAB_FIXTURE_TOKEN,
  githubExample,
  gitlabDelivery,
  signedGithub,
} from '../support/webhooks.js';

/**
 * Tags name the commit of a version: a deployment that reports only a version (CDEvents, Argo
 * CD, a script) gets its changes and lead times from the tag of its repository named like it.
 * Tags come from GitLab's Tag Push and Release hooks and GitHub tag pushes (their documented
 * examples, test/fixtures/gitlab and @octokit/webhooks-examples); results through GraphQL.
 */
describe('tags resolve the commits of versioned deployments', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      GITLAB_WEBHOOK_TOKEN: GITLAB_FIXTURE_TOKEN,
      GITLAB_WEBHOOK_HOST: 'gitlab.example.com',
      GITHUB_WEBHOOK_SECRET: GITHUB_TEST_SECRET,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  type Obj = Record<string, unknown>;
  const BASE = '95790bf891e76fee5e1747ab589903a6a1f80f22'; // the push example's `before`
  const HEAD = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'; // and its newest commit

  function gitlab(file: string, edit: (p: Obj) => void = () => undefined) {
    const d = gitlabDelivery(file, edit);
    return request(t.http).post('/webhooks/gitlab').set(d.headers).send(d.body);
  }

  const inProject = (p: Obj, path: string) =>
    Object.assign(p.project as Obj, { path_with_namespace: path });

  /** The documented push (two commits after BASE); it says 4 commits, this one carries all. */
  const push = (path: string) =>
    gitlab('push.json', (p) => {
      inProject(p, path);
      p.total_commits_count = 2;
    });

  /** The documented tag push, naming `sha` as `tag` in `path`. */
  const tag = (path: string, name: string, sha: string) =>
    gitlab('tag_push.json', (p) => {
      inProject(p, path);
      Object.assign(p, { ref: `refs/tags/${name}`, after: sha, checkout_sha: sha });
    });

  async function deploy(repository: string, version: string, finishedAt: string) {
    const res = await t.gql(
      `mutation($d: DeploymentInput!) { recordDeployment(input: $d) { result entityId } }`,
      {
        d: {
          source: 'argocd',
          eventId: `${repository}-${version}`,
          deploymentId: `${repository}-${version}`,
          service: repository.split('/').pop(),
          environment: 'production',
          repository,
          version,
          status: 'SUCCEEDED',
          startedAt: finishedAt,
          finishedAt,
        },
      },
    );
    expect(res.errors).toBeUndefined();
    return (res.data!.recordDeployment as { entityId: string }).entityId;
  }

  async function changeset(id: string) {
    const res = await t.gql(
      `query($id: ID!) { deployment(id: $id) { commitSha changesetStatus
         changes { change { sha } leadTimeSeconds excludedReason } } }`,
      { id },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.deployment as Obj;
  }

  const expected = {
    commitSha: null, // the deployment named none: the tag gives it
    changesetStatus: 'FROM_PUSHES',
    changes: [
      // 2011-12-12T12:27:31Z and 2012-01-03T21:36:29Z to 2012-02-01T00:00:00Z
      {
        change: { sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327' },
        leadTimeSeconds: 4361549,
        excludedReason: null,
      },
      { change: { sha: HEAD }, leadTimeSeconds: 2427811, excludedReason: null },
    ],
  };

  it('gives versioned deployments the commits of their tags (tags and pushes first)', async () => {
    const repo = 'mike/diaspora';
    expect((await push(repo)).status).toBe(200);
    const tagged = await tag(repo, 'v1.0.0', BASE);
    expect([tagged.status, tagged.body.kind]).toEqual([200, 'Tag Push Hook']);
    await tag(repo, 'v1.1.0', HEAD).expect(200);
    await deploy(repo, '1.0.0', '2011-12-01T00:00:00Z');
    const second = await deploy(repo, '1.1.0', '2012-02-01T00:00:00Z');
    expect(await changeset(second)).toEqual(expected);
  });

  it('completes them when the tags arrive after the deployments, once', async () => {
    const repo = 'mike/diaspora-late';
    await push(repo).expect(200);
    await deploy(repo, '1.0.0', '2011-12-01T00:00:00Z');
    const second = await deploy(repo, '1.1.0', '2012-02-01T00:00:00Z');
    expect(await changeset(second)).toMatchObject({ changesetStatus: 'UNKNOWN', changes: [] });
    await tag(repo, 'v1.1.0', HEAD).expect(200);
    expect(await changeset(second)).toMatchObject({ changesetStatus: 'UNKNOWN' }); // 1.0.0 still unknown
    const late = await tag(repo, 'v1.0.0', BASE);
    expect(late.status).toBe(200);
    expect(await changeset(second)).toEqual(expected);
    // the same delivery again changes nothing
    const again = await tag(repo, 'v1.0.0', BASE);
    expect(again.body.result).toBe('DUPLICATE');
  });

  it('takes the tag of a GitLab release', async () => {
    expect((await gitlab('release.json')).status).toBe(200);
    const id = await deploy('gitlab-org/release-webhook-example', '1.1', '2020-11-02T13:00:00Z');
    expect(await changeset(id)).toMatchObject({
      changes: [
        {
          change: { sha: 'ee0a3fb31ac16e11b9dbb596ad16d4af654d08f8' },
          leadTimeSeconds: null,
          excludedReason: 'NO_PREDECESSOR', // the first deployment: its history is unknown
        },
      ],
    });
  });

  it('takes the tag of a GitHub tag push', async () => {
    const created = githubExample(
      'push',
      (p) => p.created === true && (p.commits as unknown[]).length === 0,
    );
    const d = signedGithub('push', created, 'tag-push');
    const res = await request(t.http).post('/webhooks/github').set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    const id = await deploy('Codertocat/Hello-World', 'simple-tag', '2019-05-16T00:00:00Z');
    expect(await changeset(id)).toMatchObject({
      changes: [{ change: { sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' } }],
    });
  });

  it('stores a deleted tag or release (202) and refuses one without its commit (400)', async () => {
    const deleted = await gitlab('tag_push.json', (p) =>
      Object.assign(p, { after: '0000000000000000000000000000000000000000' }),
    );
    expect([deleted.status, deleted.body.note]).toEqual([202, expect.stringContaining('deleted')]);
    const release = await gitlab('release.json', (p) => (p.action = 'delete'));
    expect(release.status).toBe(202);
    const bad = await gitlab('release.json', (p) => delete p.commit);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('MALFORMED_PAYLOAD');
  });
});
