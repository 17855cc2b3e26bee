import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../api';
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
  action: string;
  targetId: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

const ROLES = ['citizen', 'officer', 'admin'];

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
    </article>
  );
}

export function Accounts() {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [found, setFound] = useState<Account[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [auditError, setAuditError] = useState<unknown>(null);
  const [filter, setFilter] = useState({ action: '', targetId: '' });

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
  const loadAudit = async (next: string | null | undefined, reset: boolean) => {
    setAuditError(null);
    try {
      const page = await api.get<{ items: AuditEntry[]; nextCursor: string | null }>('/admin/audit', {
        limit: 20,
        cursor: next ?? undefined,
        action: filter.action.trim() || undefined,
        targetId: filter.targetId.trim() || undefined,
      });
      setAudit((a) => (reset ? page.items : [...a, ...page.items]));
      setCursor(page.nextCursor);
    } catch (err) {
      setAuditError(err);
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
      <section className="card" aria-labelledby="audit-h">
        <h2 id="audit-h">Audit trail</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void loadAudit(undefined, true);
          }}
        >
          <label>
            Action
            <input
              value={filter.action}
              placeholder="e.g. sign_in"
              onChange={(e) => setFilter({ ...filter, action: e.target.value })}
            />
          </label>
          <label>
            Target id
            <input
              value={filter.targetId}
              onChange={(e) => setFilter({ ...filter, targetId: e.target.value })}
            />
          </label>
          <button type="submit">Show audit trail</button>
        </form>
        <ErrorBox error={auditError} />
        {cursor !== undefined && audit.length === 0 && <Empty>No audit entries match.</Empty>}
        {audit.length > 0 && (
          <table data-testid="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {audit.map((a) => (
                <tr key={a.id}>
                  <td>{fmtTime(a.at)}</td>
                  <td>{a.action}</td>
                  <td>
                    <code>{a.actorId?.slice(0, 8) ?? '—'}</code>
                  </td>
                  <td>
                    <code>{a.targetId?.slice(0, 12) ?? '—'}</code>
                  </td>
                  <td>{a.ip ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {cursor && (
          <button type="button" className="secondary" onClick={() => void loadAudit(cursor, false)}>
            Load older entries
          </button>
        )}
      </section>
    </>
  );
}
