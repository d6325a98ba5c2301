/**
 * Commits from the local checkout: `git log` between the previous deployment and this one, so
 * that Shipwatch can compute lead times per change. Parsing is pure; `Git` runs the binary.
 */
import { execFile } from 'node:child_process';

export interface GitCommit {
  readonly sha: string;
  readonly message: string;
  readonly authoredAt: string;
  readonly committedAt: string;
}

/** Unit and record separators: never found in a commit subject. */
const US = '\x1f';
const RS = '\x1e';
export const LOG_FORMAT = `%H${US}%aI${US}%cI${US}%s${RS}`;

/** Parses `git log --format=LOG_FORMAT` output, returned oldest first. */
export function parseGitLog(output: string): GitCommit[] {
  return output
    .split(RS)
    .map((record) => record.replace(/^\s+/, ''))
    .filter((record) => record !== '')
    .map((record) => {
      const [sha, authoredAt, committedAt, ...subject] = record.split(US);
      if (!/^[0-9a-f]{7,64}$/.test(sha ?? '') || !authoredAt || !committedAt) {
        throw new Error(`unexpected git log output: ${JSON.stringify(record.slice(0, 80))}`);
      }
      return { sha, authoredAt, committedAt, message: subject.join(US).trim() };
    })
    .reverse();
}

/** owner/name from a remote URL (https, ssh, scp-like), or the URL when it has another shape. */
export function repositoryFromRemote(url: string): string {
  const m = /^(?:[\w+.-]+:\/\/)?(?:[^@/]+@)?[^/:]+[:/](?:\d+\/)?(.+?)(?:\.git)?\/?$/.exec(
    url.trim(),
  );
  return m ? m[1] : url.trim();
}

export type GitRunner = (args: readonly string[], cwd: string) => Promise<string>;

const runGit: GitRunner = (args, cwd) =>
  new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message, { cause: error }));
      else resolve(stdout);
    });
  });

export class Git {
  constructor(
    private readonly cwd: string,
    private readonly run: GitRunner = runGit,
  ) {}

  /** Whether cwd is inside a git work tree (false when git is missing too). */
  async isCheckout(): Promise<boolean> {
    try {
      return (await this.run(['rev-parse', '--is-inside-work-tree'], this.cwd)).trim() === 'true';
    } catch {
      return false;
    }
  }

  async headSha(): Promise<string | undefined> {
    try {
      return (await this.run(['rev-parse', 'HEAD'], this.cwd)).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async remoteRepository(): Promise<string | undefined> {
    try {
      const url = (await this.run(['remote', 'get-url', 'origin'], this.cwd)).trim();
      return url === '' ? undefined : repositoryFromRemote(url);
    } catch {
      return undefined;
    }
  }

  async hasCommit(sha: string): Promise<boolean> {
    try {
      await this.run(['cat-file', '-e', `${sha}^{commit}`], this.cwd);
      return true;
    } catch {
      return false;
    }
  }

  /** Commits reachable from `to` and not from `from` (all ancestors when `from` is absent). */
  async log(to: string, from: string | undefined, max: number): Promise<GitCommit[]> {
    const range = from ? `${from}..${to}` : to;
    const out = await this.run(
      ['log', `--format=${LOG_FORMAT}`, `--max-count=${max}`, range, '--'],
      this.cwd,
    );
    return parseGitLog(out);
  }
}
