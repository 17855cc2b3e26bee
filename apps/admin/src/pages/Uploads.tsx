import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { saveBlob } from '../api';
import { Empty, ErrorBox, fmtTime, useApi, useLoad, usePolling } from '../ui';

const KINDS = ['retailers', 'offers', 'municipalities', 'schemes', 'charities', 'officers'] as const;

interface Job {
  id: string;
  kind: string;
  dryRun: boolean;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  rowsTotal: number;
  rowsOk: number;
  rowsFailed: number;
  errors: Array<{ row: number; field: string; message: string }>;
  failure: string | null;
}

interface JobSummary {
  jobId: string;
  kind: string;
  fileName: string;
  dryRun: boolean;
  status: string;
  progress: number;
  rowsOk: number;
  rowsFailed: number;
  createdAt: string;
}

const finished = (j: Job | null) => j?.status === 'done' || j?.status === 'failed';

export function Uploads() {
  const api = useApi();
  const [kind, setKind] = useState<string>('retailers');
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const recent = useLoad(() => api.get<{ items: JobSummary[] }>('/admin/etl/jobs', { limit: 10 }), []);

  usePolling(
    async () => {
      if (!jobId) return;
      try {
        const j = await api.get<Job>(`/admin/etl/jobs/${jobId}`);
        setJob(j);
        if (finished(j)) recent.reload();
      } catch (e) {
        setError(e);
      }
    },
    // Every status read is an audit entry (etl_job_viewed): once a second is live enough.
    1_000,
    jobId !== null && !finished(job),
    [jobId],
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setJob(null);
    setJobId(null);
    const form = new FormData();
    form.append('kind', kind);
    form.append('dryRun', String(dryRun));
    form.append('file', file, file.name);
    try {
      const r = await api.form<{ jobId: string }>('/admin/etl/uploads', form);
      setJobId(r.jobId);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) setFile(f);
  };

  const downloadErrors = async () => {
    try {
      saveBlob(await api.blob(`/admin/etl/jobs/${jobId}/errors.csv`), `etl-${jobId}-errors.csv`);
    } catch (err) {
      setError(err);
    }
  };

  const pct = Math.round((job?.progress ?? 0) * 100);
  return (
    <>
      <form className="card" onSubmit={(e) => void submit(e)}>
        <div className="row">
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value)}>
              {KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run
            (validate only, write nothing)
          </label>
        </div>
        <div
          className={`dropzone${dragging ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <label htmlFor="upload-file">File (CSV, JSON or NDJSON) — drop it here or choose one</label>
          <input
            id="upload-file"
            ref={input}
            type="file"
            accept=".csv,.json,.ndjson,text/csv,application/json"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
          {file && (
            <p>
              Selected: {file.name} ({Math.ceil(file.size / 1024)} KB)
            </p>
          )}
        </div>
        <button type="submit" disabled={!file || busy}>
          Upload
        </button>
      </form>
      <ErrorBox error={error} />
      {jobId && (
        <section className="card" aria-labelledby="job-h">
          <h2 id="job-h">Job {jobId}</h2>
          <p>
            Status: <strong data-testid="job-status">{job?.status ?? 'queued'}</strong>
            {job?.dryRun && ' (dry run)'}
          </p>
          <progress max={100} value={pct} aria-label="Upload progress" />
          <span className="pct" data-testid="job-progress" aria-live="polite">
            {pct}%
          </span>
          {job && (
            <dl className="counts">
              <dt>Rows read</dt>
              <dd data-testid="rows-total">{job.rowsTotal}</dd>
              <dt>{job.dryRun ? 'Would load' : 'Loaded'}</dt>
              <dd data-testid="rows-ok">{job.rowsOk}</dd>
              <dt>Rejected</dt>
              <dd data-testid="rows-failed">{job.rowsFailed}</dd>
            </dl>
          )}
          {job?.failure && (
            <div className="error" role="alert">
              <strong>Upload failed</strong> — {job.failure}
            </div>
          )}
          {job && job.errors.length > 0 && (
            <>
              <table>
                <caption>
                  Rejected rows
                  {job.rowsFailed > job.errors.length
                    ? ` (first ${job.errors.length} of ${job.rowsFailed})`
                    : ''}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Field</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {job.errors.map((r, i) => (
                    <tr key={i}>
                      <td>{r.row}</td>
                      <td>{r.field}</td>
                      <td>{r.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <button type="button" className="secondary" onClick={() => void downloadErrors()}>
                Download every rejected row (errors.csv)
              </button>
            </>
          )}
          {finished(job) && job?.errors.length === 0 && !job.failure && <Empty>No rows were rejected.</Empty>}
        </section>
      )}
      <section className="card" aria-labelledby="recent-h">
        <h2 id="recent-h">Recent uploads</h2>
        <ErrorBox error={recent.error} />
        {recent.data?.items.length === 0 && <Empty>No uploads yet.</Empty>}
        {recent.data && recent.data.items.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">File</th>
                <th scope="col">Status</th>
                <th scope="col">Loaded</th>
                <th scope="col">Rejected</th>
              </tr>
            </thead>
            <tbody>
              {recent.data.items.map((j) => (
                <tr key={j.jobId}>
                  <td>{fmtTime(j.createdAt)}</td>
                  <td>
                    {j.kind}
                    {j.dryRun ? ' (dry run)' : ''}
                  </td>
                  <td>{j.fileName}</td>
                  <td>{j.status}</td>
                  <td>{j.rowsOk}</td>
                  <td>{j.rowsFailed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
