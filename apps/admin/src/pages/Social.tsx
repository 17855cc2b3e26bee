import { useState, type FormEvent } from 'react';
import { Empty, ErrorBox, fmtTime, useApi, useLoad, usePolling } from '../ui';

interface Platform {
  id: string;
  available: boolean;
  maxLength: number;
}
interface Delivery {
  platform: string;
  status: 'queued' | 'sent' | 'failed' | 'dead';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}
interface Post {
  id: string;
  text: string;
  connectionId: string | null;
  createdAt: string;
  platforms: Delivery[];
}
interface Consented {
  connectionId: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
}
interface DeadLetter {
  id: string;
  source: string;
  target: string;
  eventType: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  replayedAt: string | null;
}

interface QueueStatus {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  oldestWaitingSeconds: number;
  recentLagMs: { p50: number; p99: number; samples: number } | null;
}
interface EventBacklog {
  outbox: { pending: number; oldestPendingSeconds: number };
  queues: QueueStatus[];
}

/** Consumer lag: not an outage (readiness ignores it), but the back office should see it. */
function EventQueues() {
  const api = useApi();
  const backlog = useLoad(() => api.get<EventBacklog>('/admin/events/queues'), []);
  usePolling(async () => backlog.reload(), 5_000, true, []);
  const b = backlog.data;
  return (
    <section className="card" aria-labelledby="queues-h">
      <h2 id="queues-h">Event queues</h2>
      <ErrorBox error={backlog.error} />
      {b && (
        <>
          <p className="muted">
            Outbox: {b.outbox.pending} waiting to be relayed
            {b.outbox.pending > 0 && `, oldest ${b.outbox.oldestPendingSeconds.toFixed(1)} s`}. Lag is
            measured from an event's commit to its handler's commit (this server's recent deliveries).
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">Active</th>
                <th scope="col">Retrying</th>
                <th scope="col">Oldest waiting</th>
                <th scope="col">Lag p50 / p99</th>
              </tr>
            </thead>
            <tbody>
              {b.queues.map((q) => (
                <tr key={q.queue} className={q.oldestWaitingSeconds > 60 ? 'status-failed' : undefined}>
                  <td>{q.queue}</td>
                  <td>{q.waiting}</td>
                  <td>{q.active}</td>
                  <td>{q.delayed}</td>
                  <td>{q.oldestWaitingSeconds.toFixed(1)} s</td>
                  <td>{q.recentLagMs ? `${q.recentLagMs.p50} / ${q.recentLagMs.p99} ms` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

const settled = (p: Post) => p.platforms.every((d) => d.status === 'sent' || d.status === 'dead');

function Deliveries({ post }: { post: Post }) {
  return (
    <ul className="deliveries">
      {post.platforms.map((d) => (
        <li key={d.platform} className={`status-${d.status}`} data-testid={`delivery-${d.platform}`}>
          <strong>{d.platform}</strong>: <span className="badge">{d.status}</span>
          {d.attempts > 1 && ` after ${d.attempts} attempts`}
          {d.lastError && d.status !== 'sent' && <span className="muted"> — {d.lastError}</span>}
        </li>
      ))}
    </ul>
  );
}

export function Social() {
  const api = useApi();
  const platforms = useLoad(() => api.get<Platform[]>('/admin/social/platforms'), []);
  const connections = useLoad(
    () => api.get<{ items: Consented[] }>('/admin/social/connections', { limit: 50 }),
    [],
  );
  const posts = useLoad(() => api.get<{ items: Post[] }>('/admin/social/posts', { limit: 10 }), []);
  const dead = useLoad(
    () => api.get<{ items: DeadLetter[] }>('/admin/dead-letters', { pending: true, limit: 20 }),
    [],
  );
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [connectionId, setConnectionId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [current, setCurrent] = useState<Post | null>(null);
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [replayed, setReplayed] = useState<string | null>(null);

  usePolling(
    async () => {
      if (!currentId) return;
      try {
        const p = await api.get<Post>(`/admin/social/posts/${currentId}`);
        setCurrent(p);
        if (settled(p)) {
          posts.reload();
          dead.reload();
        }
      } catch (e) {
        setError(e);
      }
    },
    // Every read is an audit entry (social_post_viewed); retries back off in seconds anyway.
    1_500,
    currentId !== null && !(current && settled(current)),
    [currentId],
  );

  const limit = Math.min(
    ...(platforms.data ?? []).filter((p) => chosen.includes(p.id)).map((p) => p.maxLength),
    Infinity,
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCurrent(null);
    try {
      const r = await api.json<{ postId: string }>('POST', '/admin/social/posts', {
        platforms: chosen,
        text,
        connectionId: connectionId || undefined,
      });
      setCurrentId(r.postId);
      setText('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const replay = async (id: string) => {
    setError(null);
    try {
      await api.json('POST', `/admin/dead-letters/${id}/replay`);
      setReplayed(id);
      dead.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <form className="card" onSubmit={(e) => void submit(e)}>
        <h2>Compose a post</h2>
        <fieldset>
          <legend>Platforms</legend>
          <ErrorBox error={platforms.error} />
          {platforms.data?.map((p) => (
            <label key={p.id} className="check">
              <input
                type="checkbox"
                name="platform"
                value={p.id}
                disabled={!p.available}
                checked={chosen.includes(p.id)}
                onChange={(e) =>
                  setChosen((c) => (e.target.checked ? [...c, p.id] : c.filter((x) => x !== p.id)))
                }
              />{' '}
              {p.id}
              {!p.available && <span className="muted"> (not configured on this server)</span>}
            </label>
          ))}
        </fieldset>
        <label htmlFor="post-text">Text</label>
        <textarea
          id="post-text"
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-describedby="post-count"
        />
        <p id="post-count" className={[...text].length > limit ? 'over muted' : 'muted'}>
          {[...text].length}
          {Number.isFinite(limit) && ` / ${limit}`} characters
        </p>
        <label htmlFor="post-connection">About a connection (both people consented to share)</label>
        <select id="post-connection" value={connectionId} onChange={(e) => setConnectionId(e.target.value)}>
          <option value="">None</option>
          {connections.data?.items.map((c) => (
            <option key={c.connectionId} value={c.connectionId}>
              {fmtTime(c.establishedAt)} — officer {c.officerId.slice(0, 8)} · citizen{' '}
              {c.citizenId.slice(0, 8)}
            </option>
          ))}
        </select>
        {connections.data?.items.length === 0 && (
          <p className="muted">No connection with both parties’ consent yet.</p>
        )}
        <ErrorBox error={connections.error} />
        <button type="submit" disabled={busy || chosen.length === 0 || !text.trim()}>
          Publish
        </button>
      </form>
      <ErrorBox error={error} />
      {current && (
        <section className="card" aria-live="polite" aria-labelledby="current-h">
          <h2 id="current-h">Delivery of the new post</h2>
          <p className="muted">{current.text}</p>
          <Deliveries post={current} />
        </section>
      )}
      <section className="card" aria-labelledby="posts-h">
        <h2 id="posts-h">Recent posts</h2>
        <ErrorBox error={posts.error} />
        {posts.data?.items.length === 0 && <Empty>No posts yet.</Empty>}
        {posts.data?.items.map((p) => (
          <article key={p.id} className="post">
            <p>
              <span className="muted">{fmtTime(p.createdAt)}</span> {p.text}
            </p>
            <Deliveries post={p} />
          </article>
        ))}
      </section>
      <section className="card" aria-labelledby="dead-h">
        <h2 id="dead-h">Dead letters</h2>
        <ErrorBox error={dead.error} />
        {replayed && <p role="status">Dead letter {replayed.slice(0, 8)} sent again.</p>}
        {dead.data?.items.length === 0 && <Empty>No failed deliveries waiting.</Empty>}
        {dead.data && dead.data.items.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Failed</th>
                <th scope="col">Source</th>
                <th scope="col">Target</th>
                <th scope="col">Error</th>
                <th scope="col">Attempts</th>
                <th scope="col">
                  <span className="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {dead.data.items.map((d) => (
                <tr key={d.id}>
                  <td>{fmtTime(d.failedAt)}</td>
                  <td>{d.source}</td>
                  <td>{d.target}</td>
                  <td>{d.error}</td>
                  <td>{d.attempts}</td>
                  <td>
                    <button type="button" className="secondary" onClick={() => void replay(d.id)}>
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <EventQueues />
    </>
  );
}
