import type { ChangeEvent } from '../../ingestion/domain-events.js';
import {
  type JsonObject,
  MappingError,
  type Unmapped,
  obj,
  optSha,
  optStr,
  optTime,
  str,
} from '../webhook-mapping.js';
import { type EnvelopeAt, requireRepository } from './gitlab-payload.js';

/**
 * Tags name the commit a version was built from: a deployment that reports a version of its
 * repository (`1.4.2` or `v1.4.2`) but no commit deployed the commit of that tag.
 *
 * A Tag Push Hook (also a system hook's `tag_push`): the tag `ref` names `checkout_sha`, the
 * commit (`after` is an annotated tag's own object). GitLab sends no time: the tag is as old as
 * its receipt. A deleted tag (`after` all zeros) is stored.
 */
export function gitlabTagPush(
  envelope: EnvelopeAt,
  payload: JsonObject,
  receivedAt: Date,
): ChangeEvent | Unmapped {
  const ref = str(payload, 'ref');
  if (!ref.startsWith('refs/tags/')) throw new MappingError('expected refs/tags/<tag>', 'ref');
  const name = ref.slice('refs/tags/'.length);
  if (!optSha(optStr(payload, 'after'))) {
    return { note: `tag ${name} deleted: stored; the commit it named stays its commit` };
  }
  const sha = optSha(optStr(payload, 'checkout_sha'));
  if (!sha) throw new MappingError('expected the tagged commit', 'checkout_sha');
  return tagEvent(envelope(receivedAt), requireRepository(payload), name, sha);
}

/**
 * A Release Hook: the release's `tag` names `commit.id`. `create` and `update` carry it (at the
 * release's `created_at`; `released_at` may lie in the future for an upcoming release);
 * `delete` is stored.
 */
export function gitlabRelease(envelope: EnvelopeAt, payload: JsonObject): ChangeEvent | Unmapped {
  const action = optStr(payload, 'action');
  const name = str(payload, 'tag');
  if (action === 'delete') {
    return { note: `release ${name} deleted: stored; its tag's commit stays its commit` };
  }
  const commit = obj(payload, 'commit');
  const sha = optSha(str(commit, 'id', 'commit.id'));
  if (!sha) throw new MappingError('expected a commit SHA', 'commit.id');
  return tagEvent(envelope(optTime(payload, 'created_at')), requireRepository(payload), name, sha);
}

function tagEvent(
  envelope: ChangeEvent['envelope'],
  repository: string,
  name: string,
  sha: string,
): ChangeEvent {
  return { type: 'change', envelope, repository, commits: [], tags: [{ name, sha }] };
}
