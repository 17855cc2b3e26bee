import { randomUUID } from 'node:crypto';
import type { TestApp } from '../support/app.js';
import { randomIp } from '../support/given.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- OpenAPI documents are walked as plain JSON */

export type Role = 'citizen' | 'officer' | 'admin';
export const ROLES: Role[] = ['citizen', 'officer', 'admin'];

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/rewards/transactions/{id}`. */
  path: string;
  key: string;
  auth: 'none' | 'bearer' | 'retailer-key';
  /** Roles the route is limited to (from the 403 description `@Auth()` writes); empty: any signed-in account. */
  roles: Role[];
  pathParams: string[];
  queryParams: Array<{ name: string; schema: any }>;
  /** Schema of the JSON body, if the route takes one. */
  jsonBody?: any;
  multipart: boolean;
}

/** Every operation of the served OpenAPI document. */
export function operations(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const security: Array<Record<string, unknown>> = op.security ?? [];
      // `admin` is the admin routes' own scheme: the same bearer access token, with the admin role.
      const auth = security.some((s) => 'bearer' in s || 'admin' in s)
        ? 'bearer'
        : security.some((s) => 'retailer-key' in s)
          ? 'retailer-key'
          : 'none';
      const roles = /Needs role (.+?) \(403/
        .exec(op.responses?.['403']?.description ?? '')?.[1]
        ?.split(' or ') as Role[] | undefined;
      const params: any[] = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        auth,
        roles: roles ?? [],
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: resolve(doc, p.schema) })),
        jsonBody: op.requestBody?.content?.['application/json']
          ? resolve(doc, op.requestBody.content['application/json'].schema)
          : undefined,
        multipart: Boolean(op.requestBody?.content?.['multipart/form-data']),
      });
    }
  }
  return ops;
}

export function resolve(doc: any, schema: any): any {
  if (schema?.$ref)
    return resolve(
      doc,
      schema.$ref
        .split('/')
        .slice(1)
        .reduce((o: any, k: string) => o[k], doc),
    );
  if (schema?.allOf?.length === 1) return resolve(doc, schema.allOf[0]);
  return schema;
}

/** A plausible value for a schema: enough to get past the type checks to the field under probe. */
export function sample(doc: any, raw: any): unknown {
  const schema = resolve(doc, raw) ?? {};
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'object' && schema.properties) {
    return Object.fromEntries(Object.entries<any>(schema.properties).map(([k, v]) => [k, sample(doc, v)]));
  }
  if (schema.type === 'array') return [sample(doc, schema.items)];
  if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 1;
  if (schema.type === 'boolean') return true;
  if (schema.format === 'uuid') return randomUUID();
  if (schema.format === 'date-time') return new Date().toISOString();
  return 'probe';
}

/** Names of the top-level body fields a client may send text in (strings, and the loosely typed nullable ones). */
export function textFields(doc: any, raw: any): string[] {
  const schema = resolve(doc, raw);
  return Object.entries<any>(schema?.properties ?? {})
    .filter(([, v]) => {
      const s = resolve(doc, v);
      return (
        s.type === 'string' ||
        (s.type === 'object' && !s.properties) ||
        (s.type === 'array' && resolve(doc, s.items)?.type === 'string')
      );
    })
    .map(([k]) => k);
}

/** Strings that go wrong where input reaches SQL, HTML or a spreadsheet unescaped. */
export const INJECTIONS = [
  `' OR '1'='1' --`,
  `1; DROP TABLE iam_account; --`,
  `<script>alert(1)</script>`,
  `"><img src=x onerror=alert(1)>`,
  `=HYPERLINK("https://evil.example","open")`,
  `+cmd|'/C calc'!A0`,
  `@SUM(1+1)`,
  `../../../../etc/passwd`,
  `${'$'}{7*7}{{7*7}}`,
  `nul\u0000byte`,
];

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** Every answer the probes received, for the checks that hold for all of them. */
export const answers: Array<{ what: string } & Answer> = [];

export async function call(
  t: TestApp,
  method: string,
  path: string,
  opts: {
    token?: string;
    retailerKey?: string;
    body?: string;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      'x-forwarded-for': randomIp(),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.retailerKey ? { 'x-retailer-key': opts.retailerKey } : {}),
      ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
      ...opts.headers,
    },
    body: opts.body,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  const answer = { status: res.status, headers: res.headers, text, body };
  answers.push({ what: `${method} ${path}`, ...answer });
  return answer;
}

/** The path with every `{param}` filled (a fresh UUID unless given). */
export function fill(path: string, values: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? randomUUID()));
}
