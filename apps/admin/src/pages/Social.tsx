import { useState, type FormEvent, type MouseEvent } from 'react';
import { BASE, navigate } from '../router';
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

/** An in-app link: the router's navigation for a plain click, the browser's for a modified one. */
const follow = (path: string) => (e: MouseEvent<HTMLAnchorElement>) => {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(path);
};

const settled = (p: Post) => p.platforms.every((d) => d.status === 'sent' || d.status === 'dead');

function Deliveries({ post }: { post: Post }) {
  return (
    <ul className="deliveries">
      {post.platforms.map((d) => (
        <li key={d.platform} className={`status-${d.status}`} data-testid={`delivery-${d.platform}`}>
          <strong>{d.platform}</strong>: <span className="badge">{d.status}</span>
          {d.attempts > 1 && ` after ${d.attempts} attempts`}
          {d.lastError && d.status !== 'sent' && <span className="muted"> — {d.lastError}</span>}
          {d.status === 'dead' && (
            <>
              {' '}
              <a href={`${BASE}/dead-letters`} onClick={follow('/dead-letters')}>
                replay it from Dead letters
              </a>
            </>
          )}
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
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [connectionId, setConnectionId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [current, setCurrent] = useState<Post | null>(null);
  const [currentId, setCurrentId] = useState<string | null>(null);

  usePolling(
    async () => {
      if (!currentId) return;
      try {
        const p = await api.get<Post>(`/admin/social/posts/${currentId}`);
        setCurrent(p);
        if (settled(p)) posts.reload();
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
    </>
  );
}
