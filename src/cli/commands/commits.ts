/**
 * Which commits a deployment carries: `git log <previous deployment>..<sha>`. The previous
 * deployment's commit comes from --commits-since or from Shipwatch (deployment-lookup.ts).
 * Problems degrade to "no commits" with a note: Shipwatch then takes the changes from the pushes
 * it received.
 */
import type { OptionSpecs } from '../args.js';
import type { Invocation } from '../command.js';
import type { Git, GitCommit } from '../git.js';

/** Most commits one event may list (the server's limit). */
export const MAX_COMMITS = 1000;

export async function commitsToSend(
  inv: Invocation<OptionSpecs>,
  git: Git,
  sha: string,
  since: string | undefined,
): Promise<Record<string, unknown>[] | undefined> {
  if (!(await git.hasCommit(sha))) {
    inv.info(`commits: ${sha.slice(0, 12)} is not in this checkout; commits not sent`);
    return undefined;
  }
  let commits: GitCommit[];
  if (!since) {
    commits = await git.log(sha, undefined, 1);
  } else if (!(await git.hasCommit(since))) {
    inv.warn(
      `the previous deployment's commit ${since.slice(0, 12)} is not in this checkout (a shallow clone? fetch the full history, e.g. actions/checkout with fetch-depth: 0); commits not sent`,
    );
    return undefined;
  } else {
    commits = await git.log(sha, since, MAX_COMMITS + 1);
    if (commits.length > MAX_COMMITS) {
      inv.warn(
        `more than ${MAX_COMMITS} commits since ${since.slice(0, 12)}; sending the newest ${MAX_COMMITS}`,
      );
      commits = commits.slice(-MAX_COMMITS);
    }
  }
  return commits.map((c) => ({
    sha: c.sha,
    message: c.message.slice(0, 2000),
    authoredAt: c.authoredAt,
    committedAt: c.committedAt,
  }));
}
