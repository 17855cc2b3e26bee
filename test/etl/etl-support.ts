import { api, randomIp } from '../support/given.js';
import { eventually } from '../support/poll.js';
import type { TestApp } from '../support/app.js';

export interface UploadOptions {
  kind?: string;
  content: string | Buffer;
  filename?: string;
  contentType?: string;
  dryRun?: boolean | string;
  extraFields?: Record<string, string>;
}

/** POST /admin/etl/uploads as a browser form would send it. */
export async function upload(
  t: TestApp,
  token: string,
  o: UploadOptions,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- problem+json or job views, read loosely by tests
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  if (o.kind !== undefined) form.append('kind', o.kind);
  if (o.dryRun !== undefined) form.append('dryRun', String(o.dryRun));
  for (const [k, v] of Object.entries(o.extraFields ?? {})) form.append(k, v);
  form.append(
    'file',
    new Blob([o.content], { type: o.contentType ?? 'text/csv' }),
    o.filename ?? 'upload.csv',
  );
  const res = await fetch(`${t.url}/api/v1/admin/etl/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': randomIp() },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Polls the job until it is done or failed. */
export async function finished(t: TestApp, token: string, jobId: string) {
  const r = await eventually(
    () => api(t, 'GET', `/admin/etl/jobs/${jobId}`, { token }),
    (res) => res.status === 200 && (res.body.status === 'done' || res.body.status === 'failed'),
    { timeoutMs: 60_000, what: `etl job ${jobId} finished` },
  );
  return r.body;
}

/** Uploads and waits for the job to finish. */
export async function load(t: TestApp, token: string, o: UploadOptions) {
  const up = await upload(t, token, o);
  if (up.status !== 202) throw new Error(`upload answered ${up.status}: ${JSON.stringify(up.body)}`);
  return { jobId: up.body.jobId as string, job: await finished(t, token, up.body.jobId) };
}

export const csv = (rows: string[][]): string => rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
