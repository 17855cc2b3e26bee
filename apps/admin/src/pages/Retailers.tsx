import { useState, type FormEvent } from 'react';
import { Empty, ErrorBox, fmtTime, useApi } from '../ui';

interface Retailer {
  id: string;
  externalId: string;
  name: string;
  active: boolean;
}
interface RetailerKey {
  id: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

/** One retailer's X-Retailer-Keys: list (never the key), issue (the key is shown once), revoke. */
function Keys({ retailer }: { retailer: Retailer }) {
  const api = useApi();
  const [keys, setKeys] = useState<RetailerKey[] | null>(null);
  const [issued, setIssued] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');

  const load = async () => {
    setError(null);
    try {
      setKeys((await api.get<{ items: RetailerKey[] }>(`/admin/retailers/${retailer.id}/keys`)).items);
    } catch (e) {
      setError(e);
    }
  };
  const issue = async () => {
    setError(null);
    setNote('');
    try {
      const { key } = await api.json<{ id: string; key: string }>(
        'POST',
        `/admin/retailers/${retailer.id}/keys`,
      );
      setIssued(key);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (k: RetailerKey) => {
    setError(null);
    setConfirming(null);
    try {
      await api.json('DELETE', `/admin/retailer-keys/${k.id}`);
      setNote(`Key ${k.prefix}… revoked: it is refused from now on.`);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <article className="card" data-testid="retailer">
      <h3>
        {retailer.name} {!retailer.active && <span data-testid="retailer-inactive">(retired)</span>}
      </h3>
      <p>
        External id <code>{retailer.externalId}</code>
      </p>
      <div className="row">
        <button type="button" className="secondary" onClick={() => void load()}>
          Show keys
        </button>
        <button type="button" onClick={() => void issue()}>
          Issue a key
        </button>
      </div>
      {issued && (
        <div role="status" className="card" data-testid="issued-key">
          <strong>Copy this key now: it is shown only once.</strong>
          <p>
            <code>{issued}</code>
          </p>
          <button type="button" className="secondary" onClick={() => setIssued(null)}>
            I have copied it
          </button>
        </div>
      )}
      {note && <p role="status">{note}</p>}
      <ErrorBox error={error} />
      {keys?.length === 0 && <Empty>This retailer has no keys.</Empty>}
      {keys && keys.length > 0 && (
        <table data-testid="retailer-keys">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Issued</th>
              <th scope="col">Revoked</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{fmtTime(k.createdAt)}</td>
                <td>{fmtTime(k.revokedAt)}</td>
                <td>
                  {!k.revokedAt && confirming !== k.id && (
                    <button type="button" className="danger" onClick={() => setConfirming(k.id)}>
                      Revoke {k.prefix}…
                    </button>
                  )}
                  {confirming === k.id && (
                    <>
                      <button type="button" className="danger" onClick={() => void revoke(k)}>
                        Yes, revoke
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

export function Retailers() {
  const api = useApi();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Retailer[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const search = async (next: string | null) => {
    setError(null);
    try {
      const page = await api.get<{ items: Retailer[]; nextCursor: string | null }>('/admin/retailers', {
        q: q.trim() || undefined,
        limit: 20,
        cursor: next ?? undefined,
      });
      setFound((f) => (next ? [...(f ?? []), ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(null);
  };

  return (
    <>
      <form className="card row" onSubmit={submit} role="search">
        <label>
          Name or external id
          <input value={q} maxLength={100} onChange={(e) => setQ(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit">Find retailers</button>
      </form>
      <ErrorBox error={error} />
      {found?.length === 0 && <Empty>No retailer matches.</Empty>}
      {found?.map((r) => (
        <Keys key={r.id} retailer={r} />
      ))}
      {cursor && (
        <button type="button" className="secondary" onClick={() => void search(cursor)}>
          More retailers
        </button>
      )}
    </>
  );
}
