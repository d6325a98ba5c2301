/**
 * What a change reverts, read from the conventions GitHub and GitLab write when one presses
 * "Revert": GitHub titles the pull request `Revert "<title>"`, its body says
 * `Reverts owner/repo#N` and its branch is `revert-N-<branch>`; GitLab titles the merge request
 * `Revert "<title>"`, its description says `This reverts merge request !N` and its branch is
 * `revert-<sha8>`; `git revert` writes `This reverts commit <sha>.` in the commit message.
 *
 * A reference is `pr:<number>` (a pull/merge request of the same repository) or `sha:<hex>`
 * (a commit, full or abbreviated to at least 7 characters). Pure: no I/O.
 */
export interface RevertSource {
  /** `owner/name` (GitHub full_name, GitLab path_with_namespace) of the change. */
  readonly repository: string;
  readonly message?: string | null;
  readonly title?: string | null;
  readonly body?: string | null;
  readonly branch?: string | null;
}

const REVERTS_COMMIT = /\bThis reverts commit ([0-9a-f]{7,40})\b/gi;
const REVERTS_MERGE_REQUEST = /\bThis reverts merge request (?:([\w./-]+))?!(\d+)\b/gi;
const REVERTS_PULL_REQUEST = /\bReverts (?:([\w.-]+\/[\w.-]+))?#(\d+)\b/g;
const GITHUB_REVERT_BRANCH = /^revert-(\d+)-/;
const GITLAB_REVERT_BRANCH = /^revert-([0-9a-f]{8,40})$/;
/** GitHub and GitLab both title a revert `Revert "<original title>"`. */
const REVERT_TITLE = /^Revert "/;

/** Texts are read up to this length: a body of megabytes is not scanned on the ingest path. */
const MAX_TEXT = 8_192;

export function isRevertTitle(title: string | null | undefined): boolean {
  return !!title && REVERT_TITLE.test(title);
}

/** The changes a change reverts (sorted, unique); empty when it is not a recognised revert. */
export function revertReferences(s: RevertSource): string[] {
  const refs = new Set<string>();
  const sameRepository = (named: string | undefined) =>
    !named || named.toLowerCase() === s.repository.toLowerCase();
  const text = (v: string | null | undefined) => (v ?? '').slice(0, MAX_TEXT);
  for (const t of [text(s.message), text(s.body)]) {
    for (const m of t.matchAll(REVERTS_COMMIT)) refs.add(`sha:${m[1].toLowerCase()}`);
    for (const m of t.matchAll(REVERTS_MERGE_REQUEST)) {
      if (sameRepository(m[1])) refs.add(`pr:${m[2]}`);
    }
    for (const m of t.matchAll(REVERTS_PULL_REQUEST)) {
      if (sameRepository(m[1])) refs.add(`pr:${m[2]}`);
    }
  }
  const branch = text(s.branch);
  const github = GITHUB_REVERT_BRANCH.exec(branch);
  if (github && isRevertTitle(s.title)) refs.add(`pr:${github[1]}`);
  const gitlab = GITLAB_REVERT_BRANCH.exec(branch);
  if (gitlab && isRevertTitle(s.title)) refs.add(`sha:${gitlab[1]}`);
  return [...refs].sort();
}
