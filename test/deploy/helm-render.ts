import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

/**
 * A renderer for the subset of Helm's Go templates the chart in deploy/helm uses: there is no
 * `helm` binary on this machine (neither apt nor npm ships one), and a chart that only parses
 * as YAML before rendering proves little. Anything outside the subset throws, so the chart
 * cannot quietly grow constructs this renderer would get wrong. Printing a missing value is
 * recorded (Helm would print an empty string) so a test can refuse typos in value paths.
 *
 * Supported: text/action trimming ({{- -}}), comments, if/else if/else, range (with
 * `$k, $v :=`), with/else, define/include, variables ($, $name), parentheses, pipelines, and
 * the functions listed in FUNCTIONS.
 */

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; expr: string }
  | { kind: 'if'; branches: Array<{ cond: string; body: Node[] }>; otherwise: Node[] }
  | { kind: 'range'; keyVar?: string; valueVar?: string; expr: string; body: Node[]; otherwise: Node[] }
  | { kind: 'with'; expr: string; body: Node[]; otherwise: Node[] };

interface Scope {
  dot: unknown;
  root: unknown;
  vars: Map<string, unknown>;
}

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'field'; v: string[] }
  | { t: 'var'; name: string; path: string[] }
  | { t: 'ident'; v: string }
  | { t: '(' }
  | { t: ')' }
  | { t: '|' };

export interface RenderedChart {
  /** Every rendered object (empty documents dropped), in template file order. */
  objects: Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Value paths printed while undefined (typos, or values the chart expects but values.yaml lacks). */
  missing: string[];
}

export function renderChart(
  chartDir: string,
  overrides: Record<string, unknown> = {},
  release = { name: 'heyblue', namespace: 'default' },
): RenderedChart {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
    name: string;
    version: string;
    appVersion: string;
  };
  const values = deepMerge(
    parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>,
    overrides,
  );
  const root = {
    Values: values,
    Release: {
      Name: release.name,
      Namespace: release.namespace,
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const dir = join(chartDir, 'templates');
  const files = readdirSync(dir).sort();
  const defines = new Map<string, Node[]>();
  const parsed = files.map((f) => ({
    file: f,
    nodes: parseTemplate(readFileSync(join(dir, f), 'utf8'), defines),
  }));
  const r = new Renderer(defines);
  const objects: RenderedChart['objects'] = [];
  for (const { file, nodes } of parsed) {
    if (file.startsWith('_') || !file.endsWith('.yaml')) continue;
    const text = r.render(nodes, { dot: root, root, vars: new Map([['$', root]]) });
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0)
        throw new Error(`${file} renders invalid YAML: ${doc.errors[0]!.message}\n${text}`);
      const obj = doc.toJS() as Record<string, unknown> | null;
      if (obj) objects.push(obj);
    }
  }
  return { objects, missing: r.missing };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) ? deepMerge(b, v) : v;
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ── parsing ──

function lex(src: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open === -1 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      out.push({ text });
      break;
    }
    const close = src.indexOf('}}', open);
    if (close === -1) throw new Error('unclosed {{');
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('- ') || inner.startsWith('-\n')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = inner.endsWith(' -') || inner.endsWith('\n-');
    if (trimNext) inner = inner.slice(0, -1);
    out.push({ text });
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) out.push({ action: inner });
    i = close + 2;
  }
  return out.filter((p) => !('text' in p) || p.text !== '');
}

function parseTemplate(src: string, defines: Map<string, Node[]>): Node[] {
  const items = lex(src);
  let pos = 0;
  const block = (stop: RegExp): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const item = items[pos++]!;
      if ('text' in item) {
        nodes.push({ kind: 'text', text: item.text });
        continue;
      }
      const a = item.action;
      if (stop.test(a)) return { nodes, end: a };
      let m: RegExpExecArray | null;
      if ((m = /^if\s+(.+)$/s.exec(a))) {
        const branches = [{ cond: m[1]!, body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const b = block(/^(else( if\s+.+)?|end)$/s);
          branches[branches.length - 1]!.body = b.nodes;
          const elseIf = /^else if\s+(.+)$/s.exec(b.end);
          if (elseIf) {
            branches.push({ cond: elseIf[1]!, body: [] });
            continue;
          }
          if (b.end === 'else') otherwise = block(/^end$/).nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if ((m = /^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*)?(.+)$/s.exec(a))) {
        const b = block(/^(else|end)$/);
        const otherwise = b.end === 'else' ? block(/^end$/).nodes : [];
        const [keyVar, valueVar] = m[2] ? [m[1], m[2]] : [undefined, m[1]];
        nodes.push({ kind: 'range', keyVar, valueVar, expr: m[3]!, body: b.nodes, otherwise });
      } else if ((m = /^with\s+(.+)$/s.exec(a))) {
        const b = block(/^(else|end)$/);
        const otherwise = b.end === 'else' ? block(/^end$/).nodes : [];
        nodes.push({ kind: 'with', expr: m[1]!, body: b.nodes, otherwise });
      } else if ((m = /^define\s+"([^"]+)"$/.exec(a))) {
        defines.set(m[1]!, block(/^end$/).nodes);
      } else if (/^(else|end|block|template|break|continue)\b/.test(a) || /:=|(^|\s)=\s/.test(a)) {
        throw new Error(`unsupported or misplaced template action {{ ${a} }}`);
      } else {
        nodes.push({ kind: 'action', expr: a });
      }
    }
    if (stop.source !== '$^') throw new Error(`missing {{ end }} (wanted ${stop})`);
    return { nodes, end: '' };
  };
  return block(/$^/).nodes;
}

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  const re =
    /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|(\$\w*(?:\.\w+)*)|(\.(?:\w+(?:\.\w+)*)?)|([A-Za-z_]\w*)|(\()|(\))|(\|))/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(expr)) && m[0] !== '') {
    last = re.lastIndex;
    if (m[1]) out.push({ t: 'str', v: JSON.parse(m[1]) as string });
    else if (m[2]) out.push({ t: 'num', v: Number(m[2]) });
    else if (m[3]) {
      const [name, ...path] = m[3].split('.');
      out.push({ t: 'var', name: name!, path });
    } else if (m[4]) out.push({ t: 'field', v: m[4] === '.' ? [] : m[4].slice(1).split('.') });
    else if (m[5]) out.push({ t: 'ident', v: m[5] });
    else if (m[6]) out.push({ t: '(' });
    else if (m[7]) out.push({ t: ')' });
    else out.push({ t: '|' });
  }
  if (expr.slice(last).trim() !== '') throw new Error(`cannot tokenize "${expr}" at "${expr.slice(last)}"`);
  return out;
}

// ── evaluation ──

const truthy = (v: unknown): boolean => {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
};

const str = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'object' ? stringify(v) : String(v);

class Renderer {
  readonly missing: string[] = [];

  constructor(private readonly defines: Map<string, Node[]>) {}

  private readonly functions: Record<string, (...args: unknown[]) => unknown> = {
    include: (name, data) => {
      const body = this.defines.get(String(name));
      if (!body) throw new Error(`include of undefined template "${String(name)}"`);
      return this.render(body, { dot: data, root: data, vars: new Map([['$', data]]) });
    },
    quote: (...args) => args.map((a) => JSON.stringify(str(a))).join(' '),
    toString: (v: unknown) => str(v),
    toYaml: (v) =>
      v === undefined || v === null ? 'null' : stringify(v, { lineWidth: 0 }).replace(/\n$/, ''),
    indent: (n, s) =>
      str(s)
        .split('\n')
        .map((l) => ' '.repeat(Number(n)) + l)
        .join('\n'),
    nindent: (n, s) =>
      '\n' +
      str(s)
        .split('\n')
        .map((l) => ' '.repeat(Number(n)) + l)
        .join('\n'),
    default: (def, v) => (truthy(v) ? v : def),
    trunc: (n, s) => str(s).slice(0, Number(n)),
    trimSuffix: (suffix, s) =>
      str(s).endsWith(str(suffix)) ? str(s).slice(0, -str(suffix).length || undefined) : str(s),
    printf: (format, ...args) => {
      let i = 0;
      return str(format).replace(/%[sdv]/g, () => str(args[i++]));
    },
    required: (message, v) => {
      if (v === undefined || v === null || v === '') throw new Error(`required: ${str(message)}`);
      return v;
    },
    sha256sum: (s) => createHash('sha256').update(str(s)).digest('hex'),
    not: (v) => !truthy(v),
    and: (...args) => args.every(truthy),
    or: (...args) => args.some(truthy),
    eq: (a, b) => a === b,
    ne: (a, b) => a !== b,
    empty: (v) => !truthy(v),
    contains: (part, s) => str(s).includes(str(part)),
  };

  render(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const n of nodes) {
      switch (n.kind) {
        case 'text':
          out += n.text;
          break;
        case 'action': {
          const v = this.eval(n.expr, scope);
          if (v === undefined || v === null) this.missing.push(n.expr);
          else if (typeof v === 'object')
            throw new Error(`{{ ${n.expr} }} prints a map or list; pipe it through toYaml`);
          out += str(v);
          break;
        }
        case 'if': {
          const hit = n.branches.find((b) => truthy(this.eval(b.cond, scope)));
          out += this.render(hit ? hit.body : n.otherwise, scope);
          break;
        }
        case 'with': {
          const v = this.eval(n.expr, scope);
          out += truthy(v) ? this.render(n.body, { ...scope, dot: v }) : this.render(n.otherwise, scope);
          break;
        }
        case 'range': {
          const v = this.eval(n.expr, scope);
          const entries: Array<[unknown, unknown]> = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : isMap(v)
              ? Object.keys(v)
                  .sort()
                  .map((k) => [k, v[k]])
              : [];
          if (entries.length === 0) {
            out += this.render(n.otherwise, scope);
            break;
          }
          for (const [k, x] of entries) {
            const vars = new Map(scope.vars);
            if (n.keyVar) vars.set(n.keyVar, k);
            if (n.valueVar) vars.set(n.valueVar, x);
            out += this.render(n.body, { ...scope, dot: x, vars });
          }
          break;
        }
      }
    }
    return out;
  }

  private eval(expr: string, scope: Scope): unknown {
    const tokens = tokenize(expr);
    let pos = 0;
    const pipeline = (): unknown => {
      let value: unknown;
      let piped = false;
      for (;;) {
        value = command(piped ? [value] : []);
        piped = true;
        if (tokens[pos]?.t !== '|') return value;
        pos++;
      }
    };
    const operand = (): { fn?: string; value?: unknown } => {
      const tok = tokens[pos++];
      if (!tok) throw new Error(`unexpected end of "${expr}"`);
      switch (tok.t) {
        case 'str':
        case 'num':
          return { value: tok.v };
        case 'field':
          return { value: walk(scope.dot, tok.v, expr) };
        case 'var': {
          if (!scope.vars.has(tok.name)) throw new Error(`undefined variable ${tok.name} in "${expr}"`);
          return { value: walk(scope.vars.get(tok.name), tok.path, expr) };
        }
        case 'ident':
          if (tok.v === 'true' || tok.v === 'false') return { value: tok.v === 'true' };
          if (tok.v === 'nil') return { value: null };
          if (!this.functions[tok.v]) throw new Error(`unsupported function ${tok.v} in "${expr}"`);
          return { fn: tok.v };
        case '(': {
          const v = pipeline();
          if (tokens[pos++]?.t !== ')') throw new Error(`missing ) in "${expr}"`);
          return { value: v };
        }
        default:
          throw new Error(`unexpected ${tok.t} in "${expr}"`);
      }
    };
    const command = (pipedIn: unknown[]): unknown => {
      const head = operand();
      const args: unknown[] = [];
      while (pos < tokens.length && tokens[pos]!.t !== '|' && tokens[pos]!.t !== ')') {
        const o = operand();
        if (o.fn)
          throw new Error(`function ${o.fn} used as an argument in "${expr}" (wrap it in parentheses)`);
        args.push(o.value);
      }
      if (head.fn) return this.functions[head.fn]!(...args, ...pipedIn);
      if (args.length > 0 || pipedIn.length > 0) throw new Error(`a value takes no arguments in "${expr}"`);
      return head.value;
    };
    const v = pipeline();
    if (pos !== tokens.length) throw new Error(`trailing tokens in "${expr}"`);
    return v;
  }
}

function walk(value: unknown, path: string[], expr: string): unknown {
  let v = value;
  for (const key of path) {
    if (v === undefined || v === null) throw new Error(`nil pointer evaluating ${key} in "${expr}"`);
    if (!isMap(v)) throw new Error(`cannot read ${key} of a non-map in "${expr}"`);
    v = v[key];
  }
  return v;
}
