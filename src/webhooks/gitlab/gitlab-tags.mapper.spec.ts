import { gitlabFixture } from '../../../test/support/webhooks.js';
import type { ChangeEvent } from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { normaliseHeaders } from '../webhook-mapping.js';
import { mapGitlabDelivery } from './gitlab.mapper.js';

/** Tag Push and Release hooks (and a system tag push), from GitLab's documented examples. */
const NOW = new Date('2026-11-30T12:00:00Z');
type Obj = Record<string, unknown>;

function map(file: string, edit: (p: Obj) => void = () => undefined) {
  const fixture = gitlabFixture(file);
  edit(fixture.payload);
  return mapGitlabDelivery(normaliseHeaders(fixture.headers), fixture.payload, NOW, {
    source: 'gitlab',
    dedupeKey: 'k',
  });
}

describe('GitLab tags and releases', () => {
  it('maps a tag push to the commit its tag names, at its receipt', () => {
    const m = map('tag_push.json');
    expect(m.events).toEqual([
      {
        type: 'change',
        envelope: { source: 'gitlab', eventId: 'k', occurredAt: NOW },
        repository: 'jsmith/example',
        commits: [],
        tags: [{ name: 'v1.0.0', sha: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7' }],
      },
    ]);
    expect(validateEvent(m.events[0], NOW)).toEqual([]);
  });

  it('takes the commit of an annotated tag (checkout_sha), not the tag object (after)', () => {
    const m = map('system_tag_push.json');
    expect(m.kind).toBe('System Hook: tag_push');
    expect((m.events[0] as ChangeEvent).tags).toEqual([
      { name: 'v1.0.0', sha: '5937ac0a7beb003549fc5fd26fc247adbce4a52e' },
    ]);
  });

  it('stores a deleted tag', () => {
    const m = map('tag_push.json', (p) => {
      Object.assign(p, { after: '0000000000000000000000000000000000000000', checkout_sha: null });
    });
    expect(m.events).toEqual([]);
    expect(m.note).toContain('deleted');
  });

  it('maps a release to its tag and commit, at its creation', () => {
    const m = map('release.json');
    expect(m.events).toEqual([
      {
        type: 'change',
        envelope: {
          source: 'gitlab',
          eventId: 'k',
          occurredAt: new Date('2020-11-02T12:55:12Z'),
        },
        repository: 'gitlab-org/release-webhook-example',
        commits: [],
        tags: [{ name: 'v1.1', sha: 'ee0a3fb31ac16e11b9dbb596ad16d4af654d08f8' }],
      },
    ]);
    expect(validateEvent(m.events[0], NOW)).toEqual([]);
    const deleted = map('release.json', (p) => (p.action = 'delete'));
    expect(deleted.events).toEqual([]);
    expect(deleted.note).toContain('deleted');
  });

  it('refuses a tag push or release without its documented commit', () => {
    expect(() => map('tag_push.json', (p) => (p.checkout_sha = 'nope'))).toThrow('checkout_sha');
    expect(() => map('tag_push.json', (p) => (p.ref = 'refs/heads/main'))).toThrow('ref');
    expect(() => map('release.json', (p) => delete p.commit)).toThrow('commit');
    expect(() => map('release.json', (p) => delete p.tag)).toThrow('tag');
  });
});
