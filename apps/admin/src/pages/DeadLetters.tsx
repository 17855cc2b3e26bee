import { useState } from 'react';
import { Empty, ErrorBox, fmtTime, useApi, useLoad, usePolling } from '../ui';

interface DeadLetter {
  id: string;
  /** `event` (an integration event consumer) or the context that recorded it, e.g. `social`. */
  source: string;
  target: string;
  eventType: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  replayedAt: string | null;
  replayCount: number;
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
          <div className="table-wrap">
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
          </div>
        </>
      )}
    </section>
  );
}

/**
 * Failed deliveries of every kind (event consumers, social posts, …), newest first: pending
 * ones by default, with paging and a replay for each. Every read and replay is audited.
 */
export function DeadLetters() {
  const api = useApi();
  const [all, setAll] = useState(false);
  const [items, setItems] = useState<DeadLetter[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<string | null>(null);

  const fetchPage = (after: string | null) =>
    api.get<{ items: DeadLetter[]; nextCursor: string | null }>('/admin/dead-letters', {
      pending: all ? undefined : true,
      limit: 20,
      cursor: after ?? undefined,
    });
  const first = useLoad(async () => {
    const page = await fetchPage(null);
    setItems(page.items);
    setCursor(page.nextCursor);
    return page;
  }, [all]);
  const more = async () => {
    setError(null);
    try {
      const page = await fetchPage(cursor);
      setItems((i) => [...i, ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    }
  };
  const replay = async (d: DeadLetter) => {
    setError(null);
    setNote('');
    setBusy(d.id);
    try {
      await api.json('POST', `/admin/dead-letters/${d.id}/replay`);
      setNote(`Dead letter ${d.id.slice(0, 8)} (${d.source} → ${d.target}) sent again.`);
      first.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="dead-h">
        <h2 id="dead-h">Failed deliveries</h2>
        <p className="muted">
          Deliveries that failed every retry: event consumers (source <code>event</code>) and outside systems
          such as social platforms. A replay sends one through its consumer again; the consumer’s
          de-duplication still applies.
        </p>
        <div className="row">
          <label className="check">
            <input
              type="checkbox"
              checked={all}
              onChange={(e) => {
                setAll(e.target.checked);
                setError(null);
                setNote('');
              }}
            />{' '}
            Include replayed ones
          </label>
          <button type="button" className="secondary" onClick={() => first.reload()}>
            Refresh
          </button>
        </div>
        <ErrorBox error={first.error} />
        <ErrorBox error={error} />
        {note && <p role="status">{note}</p>}
        {!first.loading && items.length === 0 && !first.error && (
          <Empty>{all ? 'No failed deliveries.' : 'No failed deliveries waiting.'}</Empty>
        )}
        {items.length > 0 && (
          <div className="table-wrap">
            <table data-testid="dead-letters">
              <thead>
                <tr>
                  <th scope="col">Failed</th>
                  <th scope="col">Source</th>
                  <th scope="col">Target</th>
                  <th scope="col">Event</th>
                  <th scope="col">Error</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id} data-testid="dead-letter">
                    <td>{fmtTime(d.failedAt)}</td>
                    <td>{d.source}</td>
                    <td>{d.target}</td>
                    <td>{d.eventType ?? '—'}</td>
                    <td className="detail">{d.error}</td>
                    <td>{d.attempts}</td>
                    <td data-testid="dead-letter-status">
                      {d.replayedAt ? `replayed ${fmtTime(d.replayedAt)}` : 'pending'}
                    </td>
                    <td>
                      {!d.replayedAt && (
                        <button
                          type="button"
                          className="secondary"
                          disabled={busy !== null}
                          aria-label={`Replay ${d.source} → ${d.target}, failed ${fmtTime(d.failedAt)}`}
                          onClick={() => void replay(d)}
                        >
                          Replay
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor && (
          <button type="button" className="secondary" onClick={() => void more()}>
            Load older dead letters
          </button>
        )}
      </section>
      <EventQueues />
    </>
  );
}
