import { gitlabFixture } from '../../../test/support/webhooks.js';
import type { ChangeEvent, IncidentEvent } from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { normaliseHeaders } from '../webhook-mapping.js';
import type { GitlabHookOptions } from './gitlab-payload.js';
import { mapGitlabDelivery } from './gitlab.mapper.js';

/** GitLab incidents (Issue Hook, type Incident) and System Hooks, from GitLab's documented examples. */
const NOW = new Date('2026-11-30T12:00:00Z');
type Obj = Record<string, unknown>;

function map(file: string, edit: (p: Obj) => void = () => undefined, options?: GitlabHookOptions) {
  const fixture = gitlabFixture(file);
  edit(fixture.payload);
  return mapGitlabDelivery(
    normaliseHeaders(fixture.headers),
    fixture.payload,
    NOW,
    { source: 'gitlab', dedupeKey: 'k' },
    options,
  );
}
const attrs = (p: Obj) => p.object_attributes as Obj;
/** The documented work item example as the incident GitLab sends (`type` is the work item type). */
const asIncident = (p: Obj) => {
  attrs(p).type = 'Incident';
};

describe('GitLab incidents (Issue Hook, type Incident)', () => {
  it('maps an open incident of a project to an incident of its service', () => {
    const m = map('issue.json', asIncident);
    expect(m.kind).toBe('Issue Hook');
    expect(m.events).toEqual([
      {
        type: 'incident',
        envelope: { source: 'gitlab', eventId: 'k', occurredAt: new Date('2013-12-03T17:15:43Z') },
        incidentId: '301',
        services: [{ name: 'gitlab-test', repository: 'gitlabhq/gitlab-test' }],
        title: 'New API: create/update/delete file',
        severity: 'high',
        url: 'http://example.com/diaspora/issues/23',
        detectedAt: new Date('2013-12-03T17:15:43Z'),
      },
    ]);
    expect(validateEvent(m.events[0], NOW)).toEqual([]);
  });

  it('takes service, namespace and environment from the URL', () => {
    const ev = map('issue.json', asIncident, {
      service: 'checkout',
      namespace: 'shop',
      environment: 'production',
    }).events[0] as IncidentEvent;
    expect(ev.services).toEqual([
      { name: 'checkout', namespace: 'shop', repository: 'gitlabhq/gitlab-test' },
    ]);
    expect(ev.environment).toEqual({ name: 'production' });
  });

  it('resolves a closed incident at closed_at, or at its update when GitLab sends none', () => {
    const closed = map('issue.json', (p) => {
      asIncident(p);
      Object.assign(attrs(p), {
        action: 'close',
        state: 'closed',
        escalation_status: 'resolved',
        closed_at: '2013-12-03T18:00:00Z',
        updated_at: '2013-12-03T18:00:01Z',
      });
    }).events[0] as IncidentEvent;
    expect(closed.resolvedAt).toEqual(new Date('2013-12-03T18:00:00Z'));
    const resolvedStatus = map('issue.json', (p) => {
      asIncident(p);
      Object.assign(attrs(p), {
        escalation_status: 'resolved',
        updated_at: '2013-12-03T19:00:00Z',
      });
    }).events[0] as IncidentEvent;
    expect(resolvedStatus.resolvedAt).toEqual(new Date('2013-12-03T19:00:00Z'));
    const acknowledged = map('issue.json', (p) => {
      asIncident(p);
      attrs(p).escalation_status = 'acknowledged';
    }).events[0] as IncidentEvent;
    expect(acknowledged.resolvedAt).toBeUndefined();
  });

  it('has no severity for GitLab’s default "unknown"', () => {
    const ev = map('issue.json', (p) => {
      asIncident(p);
      attrs(p).severity = 'unknown';
    }).events[0] as IncidentEvent;
    expect(ev.severity).toBeUndefined();
  });

  it('stores issues of other types, confidential ones too', () => {
    const issue = map('issue.json');
    expect(issue.events).toEqual([]);
    expect(issue.note).toContain('type Issue');
    const fixture = gitlabFixture('issue.json');
    const confidential = mapGitlabDelivery(
      normaliseHeaders({ ...fixture.headers, 'X-Gitlab-Event': 'Confidential Issue Hook' }),
      { ...fixture.payload, object_attributes: { ...attrs(fixture.payload), type: 'Incident' } },
      NOW,
      { source: 'gitlab', dedupeKey: 'k' },
    );
    expect(confidential.events).toHaveLength(1);
  });

  it('refuses an incident without its documented id or with a bad time', () => {
    expect(() => map('issue.json', (p) => (asIncident(p), delete attrs(p).id))).toThrow(
      'object_attributes.id',
    );
    expect(() =>
      map('issue.json', (p) => {
        asIncident(p);
        attrs(p).created_at = 'yesterday';
      }),
    ).toThrow('object_attributes.created_at');
  });
});

describe('GitLab System Hooks (instance-wide)', () => {
  it('maps a system push like a Push Hook', () => {
    const m = map('system_push.json');
    expect(m.kind).toBe('System Hook: push');
    const ev = m.events[0] as ChangeEvent;
    expect(ev).toMatchObject({
      repository: 'mike/diaspora',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      commits: [
        {
          sha: 'c5feabde2d8cd023215af4d2ceeb7a64839fc428',
          committedAt: new Date('2013-05-13T18:18:08Z'),
        },
      ],
    });
    expect(validateEvent(ev, NOW)).toEqual([]);
  });

  it('stores a system push without its commits (GitLab may leave them out)', () => {
    const m = map('system_push.json', (p) => {
      p.commits = [];
    });
    expect(m.events).toEqual([]);
    expect(m.note).toContain('no new commits');
  });

  it('maps a system merge request event like a Merge Request Hook', () => {
    expect(map('system_merge_request.json')).toMatchObject({
      kind: 'System Hook: merge_request',
      events: [],
      note: expect.stringContaining('open'),
    });
    const merged = map('system_merge_request.json', (p) => {
      Object.assign(attrs(p), { action: 'merge', state: 'merged' });
    });
    expect((merged.events[0] as ChangeEvent).pullRequest).toMatchObject({
      id: '1',
      mergeCommitSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      createdAt: new Date('2013-12-03T17:23:34Z'),
    });
  });

  it('stores the other system hooks with a note', () => {
    const m = map('system_push.json', (p) => {
      p.event_name = 'project_create';
    });
    expect(m).toMatchObject({ kind: 'System Hook: project_create', events: [] });
    expect(m.note).toContain('"project_create"');
  });

  it.each(['constructor', 'toString', '__proto__'])(
    'stores a system hook named %s, a member of every object, with a note',
    (name) => {
      const m = map('system_push.json', (p) => {
        p.event_name = name;
      });
      expect(m).toMatchObject({ kind: `System Hook: ${name}`, events: [] });
      expect(m.note).toContain('Shipwatch applies the system hooks push, tag_push, merge_request');
    },
  );
});
