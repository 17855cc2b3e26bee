import { PermanentPublishError } from '../../application/social-publisher.port.js';

/** An answer worth retrying (5xx, 429, network trouble). */
export class TransientPublishError extends Error {}

/** POSTs and classifies the answer: 2xx → parsed body; 429/5xx → transient; other 4xx → permanent. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  contentType = 'application/json',
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/json', ...headers },
      body,
      signal,
    });
  } catch (err) {
    throw new TransientPublishError(`network: ${(err as Error).message}`);
  }
  const text = await res.text().catch(() => '');
  if (res.status === 429 || res.status >= 500)
    throw new TransientPublishError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  if (!res.ok) throw new PermanentPublishError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Trailing slashes off without a regex: `/\/+$/` is quadratic on a long run of slashes (eslint regexp). */
function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end -= 1;
  return s.slice(0, end);
}

export const joinUrl = (base: string, path: string) =>
  `${trimTrailingSlashes(base)}/${path.replace(/^\/+/, '')}`;
