import { useRef, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient } from '../api';
import { Empty, ErrorBox, fmtTime, useApi } from '../ui';

interface Account {
  id: string;
  role: string;
  status: 'active' | 'suspended';
  createdAt: string;
  displayName: string | null;
}
interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  actorKind: 'account' | 'retailer_key' | 'cli' | 'system';
  actorRef: string | null;
  action: string;
  targetId: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}
interface AuditFilter {
  actor: string;
  action: string;
  target: string;
  /** `datetime-local` values (the browser's time zone); sent as ISO instants. */
  from: string;
  to: string;
}

const ROLES = ['citizen', 'officer', 'admin'];
const NO_FILTER: AuditFilter = { actor: '', action: '', target: '', from: '', to: '' };

const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/**
 * Credit or claw back points with a reason. Each submitted form carries one Idempotency-Key:
 * a double click or a retry after a network error repeats it (one adjustment); an answer from
 * the server, or other values, start a new one.
 */
function PointsAdjustment({ account, api }: { account: Account; api: ApiClient }) {
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ points: number; balance: number } | null>(null);
  const submission = useRef<{ key: string; body: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { points: Number(points), reason: reason.trim() };
    const fingerprint = JSON.stringify(body);
    if (submission.current?.body !== fingerprint)
      submission.current = { key: crypto.randomUUID(), body: fingerprint };
    const { key } = submission.current;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await api.json<{ entryId: string; balance: number }>(
        'POST',
        `/admin/accounts/${account.id}/points-adjustments`,
        body,
        { headers: { 'Idempotency-Key': key } },
      );
      setDone({ points: body.points, balance: r.balance });
      setPoints('');
      setReason('');
      if (submission.current?.key === key) submission.current = null;
    } catch (err) {
      setError(err);
      const unanswered = err instanceof ApiError && err.status === 0;
      if (!unanswered && submission.current?.key === key) submission.current = null;
    } finally {
      setBusy(false);
    }
  };

  const short = error instanceof ApiError && error.code === 'INSUFFICIENT_POINTS';
  const balance = short && typeof error.extra.balance === 'number' ? error.extra.balance : null;
  return (
    <form className="adjust" onSubmit={(e) => void submit(e)} aria-label="Points adjustment">
      <h4>Points adjustment</h4>
      <div className="row">
        <label>
          Points (negative to claw back)
          <input
            type="number"
            step={1}
            min={-1_000_000}
            max={1_000_000}
            required
            value={points}
            onChange={(e) => setPoints(e.target.value)}
          />
        </label>
        <label className="grow">
          Reason
          <input
            required
            minLength={3}
            maxLength={200}
            value={reason}
            placeholder="Shown to the account and kept in the audit trail"
            onChange={(e) => setReason(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Adjust points
        </button>
      </div>
      {done && (
        <p role="status" data-testid="adjusted">
          Adjusted by {signed(done.points)} points: the balance is now {done.balance}.
        </p>
      )}
      {short ? (
        <div className="error" role="alert" data-testid="insufficient-points">
          <strong>Not enough points: nothing was changed.</strong>
          <span>
            {' '}
            {balance !== null
              ? `The balance is ${balance}, so at most ${balance} points can be taken back.`
              : (error as ApiError).detail}
          </span>
        </div>
      ) : (
        <ErrorBox error={error} />
      )}
    </form>
  );
}

function AccountRow({
  account,
  api,
  onChanged,
}: {
  account: Account;
  api: ApiClient;
  onChanged: (a: Account) => void;
}) {
  const [role, setRole] = useState(account.role);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const changeRole = async () => {
    setError(null);
    try {
      await api.json('POST', `/admin/accounts/${account.id}/role`, { role });
      onChanged({ ...account, role });
      setNote(`Role changed to ${role}.`);
    } catch (e) {
      setError(e);
    }
  };
  const suspend = async () => {
    setError(null);
    setConfirming(false);
    try {
      await api.json('POST', `/admin/accounts/${account.id}/suspend`);
      onChanged({ ...account, status: 'suspended' });
      setNote('Account suspended; its sessions have ended.');
    } catch (e) {
      setError(e);
    }
  };
  const unsuspend = async () => {
    setError(null);
    try {
      await api.json('POST', `/admin/accounts/${account.id}/unsuspend`);
      onChanged({ ...account, status: 'active' });
      setNote('Account un-suspended: it may sign in again (the sessions the suspension ended stay ended).');
    } catch (e) {
      setError(e);
    }
  };
  return (
    <article className="card account" data-testid="account">
      <h3>{account.displayName ?? 'No display name'}</h3>
      <dl className="counts">
        <dt>Id</dt>
        <dd>
          <code>{account.id}</code>
        </dd>
        <dt>Role</dt>
        <dd data-testid="account-role">{account.role}</dd>
        <dt>Status</dt>
        <dd data-testid="account-status">{account.status}</dd>
        <dt>Since</dt>
        <dd>{fmtTime(account.createdAt)}</dd>
      </dl>
      <div className="row">
        <label>
          New role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="button" disabled={role === account.role} onClick={() => void changeRole()}>
          Change role
        </button>
        {account.status === 'active' && !confirming && (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Suspend…
          </button>
        )}
        {account.status === 'suspended' && (
          <button type="button" onClick={() => void unsuspend()}>
            Un-suspend
          </button>
        )}
        {confirming && (
          <>
            <span>Suspend this account? It is signed out everywhere at once.</span>
            <button type="button" className="danger" onClick={() => void suspend()}>
              Yes, suspend
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        )}
      </div>
      {note && <p role="status">{note}</p>}
      <ErrorBox error={error} />
      <PointsAdjustment account={account} api={api} />
    </article>
  );
}

/** Who acted, as the trail names them: an account id, a retailer key id, the CLI's OS user. */
const actorOf = (a: AuditEntry) =>
  a.actorKind === 'account'
    ? (a.actorId ?? '—')
    : a.actorKind === 'system'
      ? 'system'
      : `${a.actorKind === 'cli' ? 'cli' : 'key'}:${a.actorRef ?? ''}`;

function AuditTrail() {
  const api = useApi();
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  /** The filter the shown entries answer, so "older entries" pages the same query. */
  const [shown, setShown] = useState<AuditFilter>(NO_FILTER);

  const load = async (f: AuditFilter, next: string | null | undefined) => {
    setError(null);
    try {
      const page = await api.get<{ items: AuditEntry[]; nextCursor: string | null }>('/admin/audit', {
        limit: 20,
        cursor: next ?? undefined,
        actor: f.actor.trim() || undefined,
        action: f.action.trim() || undefined,
        target: f.target.trim() || undefined,
        from: instant(f.from),
        to: instant(f.to),
      });
      setAudit((a) => (next ? [...a, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setShown(f);
    } catch (err) {
      setError(err);
    }
  };
  const field = (name: keyof AuditFilter) => ({
    value: filter[name],
    onChange: (e: { target: { value: string } }) => setFilter({ ...filter, [name]: e.target.value }),
  });

  return (
    <section className="card" aria-labelledby="audit-h">
      <h2 id="audit-h">Audit trail</h2>
      <form
        className="row"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load(filter, undefined);
        }}
      >
        <label>
          Actor
          <input {...field('actor')} placeholder="account id, key id or CLI user" maxLength={100} />
        </label>
        <label>
          Action
          <input {...field('action')} placeholder="e.g. points_adjusted" maxLength={100} />
        </label>
        <label>
          Target id
          <input {...field('target')} maxLength={100} />
        </label>
        <label>
          From
          <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          To (before)
          <input type="datetime-local" {...field('to')} />
        </label>
        <button type="submit">Show audit trail</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setFilter(NO_FILTER);
            void load(NO_FILTER, undefined);
          }}
        >
          Clear filters
        </button>
      </form>
      <ErrorBox error={error} />
      {cursor !== undefined && audit.length === 0 && <Empty>No audit entries match.</Empty>}
      {audit.length > 0 && (
        <div className="table-wrap">
          <table data-testid="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">IP</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {audit.map((a) => (
                <tr key={a.id}>
                  <td>{fmtTime(a.at)}</td>
                  <td>{a.action}</td>
                  <td>
                    <code title={actorOf(a)}>{actorOf(a).slice(0, 12)}</code>
                  </td>
                  <td>
                    <code title={a.targetId ?? undefined}>{a.targetId?.slice(0, 12) ?? '—'}</code>
                  </td>
                  <td>{a.ip ?? '—'}</td>
                  <td className="detail">{a.detail ? <code>{JSON.stringify(a.detail)}</code> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" className="secondary" onClick={() => void load(shown, cursor)}>
          Load older entries
        </button>
      )}
    </section>
  );
}

export function Accounts() {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [found, setFound] = useState<Account[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const search = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setFound((await api.get<{ items: Account[] }>('/admin/accounts', { email: email.trim() })).items);
    } catch (err) {
      setFound(null);
      setError(err);
    }
  };

  return (
    <>
      <form className="card row" onSubmit={(e) => void search(e)} role="search">
        <label>
          E-mail (exact)
          <input
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="off"
          />
        </label>
        <button type="submit">Find account</button>
      </form>
      <ErrorBox error={error} />
      {found?.length === 0 && <Empty>No account has that e-mail address.</Empty>}
      {found?.map((a) => (
        <AccountRow
          key={a.id}
          account={a}
          api={api}
          onChanged={(n) => setFound((f) => f?.map((x) => (x.id === n.id ? n : x)) ?? null)}
        />
      ))}
      <AuditTrail />
    </>
  );
}
