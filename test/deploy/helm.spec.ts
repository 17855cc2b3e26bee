import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChart, type RenderedChart } from './helm-render.js';

const CHART = 'deploy/helm/heyblue';
const exampleVars = [...readFileSync('.env.example', 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
  (m) => m[1]!,
);
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

function find(r: RenderedChart, kind: string, where: (o: Obj) => boolean = () => true): Obj {
  const hits = r.objects.filter((o) => o.kind === kind && where(o));
  if (hits.length !== 1) throw new Error(`expected one ${kind}, rendered ${hits.length}`);
  return hits[0]!;
}
const isHook = (o: Obj) => Boolean(o.metadata.annotations?.['helm.sh/hook']);

describe('Helm chart deploy/helm/heyblue (rendered without a cluster)', () => {
  const chart = renderChart(CHART);
  const deployment = find(chart, 'Deployment');
  const pod = deployment.spec.template;
  const api = pod.spec.containers[0];

  it('renders every object the deployment needs, well-formed and fully valued', () => {
    expect(chart.missing).toEqual([]);
    expect(chart.objects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Job',
      'PodDisruptionBudget',
      'Secret',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
    for (const o of chart.objects) {
      expect(o.apiVersion).toMatch(
        /^(v1|apps\/v1|batch\/v1|policy\/v1|autoscaling\/v2|networking\.k8s\.io\/v1)$/,
      );
      expect(o.metadata.name).toMatch(DNS_1123);
      expect(o.metadata.name.length).toBeLessThanOrEqual(63);
      expect(o.metadata.labels['app.kubernetes.io/instance']).toBe('heyblue');
    }
    expect(deployment.metadata.name).toBe('heyblue');
    expect(
      find(renderChart(CHART, {}, { name: 'prod', namespace: 'apps' }), 'Deployment').metadata.name,
    ).toBe('prod-heyblue');
  });

  it('Deployment: replicas (when not autoscaled), probes on the health endpoints, resources, non-root with a read-only root filesystem', () => {
    expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns the count by default
    expect(
      find(renderChart(CHART, { autoscaling: { enabled: false }, replicaCount: 4 }), 'Deployment').spec
        .replicas,
    ).toBe(4);
    expect(deployment.spec.selector.matchLabels).toEqual(expect.objectContaining(pod.metadata.labels));
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);

    expect(api.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(api.livenessProbe.httpGet).toEqual({ path: '/api/v1/health/live', port: 'http' });
    expect(api.readinessProbe.httpGet).toEqual({ path: '/api/v1/health/ready', port: 'http' });
    expect(api.startupProbe.httpGet.path).toBe('/api/v1/health/live');
    for (const kind of ['requests', 'limits'])
      expect(Object.keys(api.resources[kind]).sort()).toEqual(['cpu', 'memory']);
    expect(api.args).toEqual([
      'node',
      '--max-old-space-size=720',
      '--max-semi-space-size=32',
      '--no-allocation-site-pretenuring',
      'dist/apps/api/src/main.js',
    ]);

    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
    expect(pod.spec.securityContext.runAsUser).not.toBe(0);
    expect(api.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.serviceAccountName).toBe(find(chart, 'ServiceAccount').metadata.name);
  });

  it('Deployment: the V8 heap budget fits the memory limit and is the one the start scripts use', () => {
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1] ?? Number(/^(\d+)Gi$/.exec(q)?.[1]) * 1024);
    const flag = (args: string[], name: string) =>
      Number(new RegExp(`^--${name}=(\\d+)$`).exec(args.find((a) => a.startsWith(`--${name}=`)) ?? '')?.[1]);
    const old = (args: string[]) => flag(args, 'max-old-space-size');
    const semi = (args: string[]) => flag(args, 'max-semi-space-size');
    const limit = mib(api.resources.limits.memory);
    expect(old(api.args)).toBeGreaterThan(0);
    expect(semi(api.args)).toBeGreaterThan(0);
    // V8's heap limit: the old generation plus three young-generation semi-spaces.
    expect(old(api.args) + 3 * semi(api.args)).toBeLessThanOrEqual(limit * 0.8);
    const bigger = find(
      renderChart(CHART, {
        nodeHeapMb: 1536,
        nodeSemiSpaceMb: 32,
        resources: { limits: { cpu: '2', memory: '2Gi' } },
      }),
      'Deployment',
    ).spec.template.spec.containers[0];
    expect([old(bigger.args), semi(bigger.args)]).toEqual([1536, 32]);
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    for (const name of ['start', 'start:prod', 'start:cluster']) {
      const args = scripts[name]!.split(/\s+/);
      expect([old(args), semi(args)]).toEqual([old(api.args), semi(api.args)]);
      // V8's allocation-site pretenuring off, as in the chart (values.yaml says why).
      expect({ name, pretenuring: args.includes('--no-allocation-site-pretenuring') }).toEqual({
        name,
        pretenuring: true,
      });
    }
  });

  it('writable paths are volumes: emptyDir /tmp and the ETL upload directory (a shared claim when given)', () => {
    const mounts = Object.fromEntries(api.volumeMounts.map((m: Obj) => [m.name, m.mountPath]));
    const configMap = find(chart, 'ConfigMap', (o) => !isHook(o));
    expect(mounts).toEqual({
      tmp: '/tmp',
      uploads: configMap.data.ETL_UPLOAD_DIR,
      secrets: '/var/run/secrets/heyblue',
    });
    const volumes = Object.fromEntries(pod.spec.volumes.map((v: Obj) => [v.name, v]));
    expect(volumes.tmp.emptyDir).toBeDefined();
    expect(volumes.uploads.emptyDir).toBeDefined();
    const shared = find(renderChart(CHART, { uploads: { existingClaim: 'heyblue-uploads' } }), 'Deployment')
      .spec.template.spec.volumes;
    expect(shared.find((v: Obj) => v.name === 'uploads')).toEqual({
      name: 'uploads',
      persistentVolumeClaim: { claimName: 'heyblue-uploads' },
    });
  });

  it('wires every .env.example variable exactly once: settings in the ConfigMap, credentials in the Secret, production defaults', () => {
    const configMap = find(chart, 'ConfigMap', (o) => !isHook(o));
    const secret = find(chart, 'Secret', (o) => !isHook(o));
    const wired = [...Object.keys(configMap.data), ...Object.keys(secret.stringData)];
    expect(wired.sort()).toEqual([...exampleVars].sort());
    expect(new Set(wired).size).toBe(wired.length);
    for (const v of Object.values(configMap.data)) expect(typeof v).toBe('string');
    expect(configMap.data).toMatchObject({
      NODE_ENV: 'production',
      HEYBLUE_DEV_MODE: 'false',
      PORT: String(api.ports[0].containerPort),
    });
    for (const credential of [
      'DATABASE_URL',
      'REDIS_URL',
      'IAM_PII_ENCRYPTION_KEY',
      'IAM_PII_HMAC_KEY',
      'TWILIO_AUTH_TOKEN',
      'VOUCHER_KEY_ENCRYPTION_KEY',
      'REPORTING_PSEUDONYM_KEY',
    ]) {
      expect(Object.keys(secret.stringData)).toContain(credential);
    }
    // Secrets are files by default: only the ConfigMap comes in as environment variables.
    expect(api.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    const asEnv = find(renderChart(CHART, { secretsAsFiles: false }), 'Deployment').spec.template.spec
      .containers[0];
    expect(asEnv.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    expect(asEnv.env).toBeUndefined();
  });

  it('secret settings reach the app as <NAME>_FILE over a read-only Secret volume (pods and the migration Job)', () => {
    const filled = {
      DATABASE_URL: 'postgresql://app@db/heyblue',
      IAM_PII_ENCRYPTION_KEY: 'k1',
      VOUCHER_KEY_ENCRYPTION_KEY: 'k2',
      MASTODON_ACCESS_TOKEN: '',
    };
    const r = renderChart(CHART, { secrets: filled });
    for (const [kind, secretName] of [
      ['Deployment', 'heyblue-secrets'],
      ['Job', 'heyblue-migrate-secrets'],
    ] as const) {
      const spec = find(r, kind).spec.template.spec;
      const c = spec.containers[0];
      expect(c.env).toEqual(
        expect.arrayContaining([
          { name: 'DATABASE_URL_FILE', value: '/var/run/secrets/heyblue/DATABASE_URL' },
          { name: 'IAM_PII_ENCRYPTION_KEY_FILE', value: '/var/run/secrets/heyblue/IAM_PII_ENCRYPTION_KEY' },
          {
            name: 'VOUCHER_KEY_ENCRYPTION_KEY_FILE',
            value: '/var/run/secrets/heyblue/VOUCHER_KEY_ENCRYPTION_KEY',
          },
        ]),
      );
      // An empty value is not wired: an empty file would read as a set, empty secret.
      expect(c.env.map((e: Obj) => e.name)).not.toContain('MASTODON_ACCESS_TOKEN_FILE');
      expect(c.envFrom.filter((e: Obj) => e.secretRef)).toEqual([]);
      expect(c.volumeMounts).toContainEqual({
        name: 'secrets',
        mountPath: '/var/run/secrets/heyblue',
        readOnly: true,
      });
      expect(spec.volumes).toContainEqual({ name: 'secrets', secret: { secretName, defaultMode: 0o440 } });
    }
  });

  it('an existing Secret replaces the rendered one for the pods and the migration Job', () => {
    const r = renderChart(CHART, { existingSecret: 'heyblue-vault' });
    expect(r.objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const kind of ['Deployment', 'Job']) {
      const spec = find(r, kind).spec.template.spec;
      expect(spec.volumes).toContainEqual({
        name: 'secrets',
        secret: { secretName: 'heyblue-vault', defaultMode: 0o440 },
      });
      // Every key the server refuses to start without is wired from the operator's Secret.
      const names = spec.containers[0].env.map((e: Obj) => e.name);
      for (const key of [
        'DATABASE_URL',
        'REDIS_URL',
        'OIDC_PROVIDERS',
        'IAM_PII_ENCRYPTION_KEY',
        'IAM_PII_HMAC_KEY',
        'REPORTING_PSEUDONYM_KEY',
        'VOUCHER_KEY_ENCRYPTION_KEY',
      ]) {
        expect(names).toContain(`${key}_FILE`);
      }
    }
    const asEnv = renderChart(CHART, { existingSecret: 'heyblue-vault', secretsAsFiles: false });
    expect(find(asEnv, 'Deployment').spec.template.spec.containers[0].envFrom[1]).toEqual({
      secretRef: { name: 'heyblue-vault' },
    });
    expect(find(asEnv, 'Job').spec.template.spec.containers[0].envFrom[1]).toEqual({
      secretRef: { name: 'heyblue-vault' },
    });
  });

  it('Service, Ingress (websockets) and HPA point at the Deployment; the PDB covers its pods', () => {
    const service = find(chart, 'Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe('http');

    const ingress = find(chart, 'Ingress');
    const paths = ingress.spec.rules[0].http.paths as Obj[];
    expect(paths.map((p) => p.path).sort()).toEqual(['/admin', '/api', '/socket.io']);
    for (const p of paths)
      expect(p.backend.service).toEqual({ name: service.metadata.name, port: { name: 'http' } });
    expect(
      Number(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']),
    ).toBeGreaterThanOrEqual(3600);
    // Snippet annotations are refused by current ingress-nginx (allow-snippet-annotations is off by
    // default): the chart must work on a stock controller, whose websocket support needs none.
    expect(Object.keys(ingress.metadata.annotations).filter((k) => /snippet/i.test(k))).toEqual([]);
    expect(ingress.spec.tls[0].hosts).toEqual([ingress.spec.rules[0].host]);

    const hpa = find(chart, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');

    const pdb = find(chart, 'PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(pdb.spec.maxUnavailable).toBeLessThan(hpa.spec.minReplicas);
  });

  it('migrations run as a pre-install/pre-upgrade hook Job with hook copies of the settings created before it', () => {
    const job = find(chart, 'Job');
    const weight = (o: Obj) => Number(o.metadata.annotations['helm.sh/hook-weight']);
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const container = job.spec.template.spec.containers[0];
    expect(container.args).toEqual(['node', 'dist/apps/api/src/cli.js', 'db:migrate']);
    expect(container.image).toBe(api.image);
    expect(container.securityContext).toEqual(api.securityContext);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const hookConfig = find(chart, 'ConfigMap', isHook);
    const hookSecret = find(chart, 'Secret', isHook);
    expect(container.envFrom).toEqual([{ configMapRef: { name: hookConfig.metadata.name } }]);
    expect(job.spec.template.spec.volumes).toContainEqual({
      name: 'secrets',
      secret: { secretName: hookSecret.metadata.name, defaultMode: 0o440 },
    });
    for (const o of [hookConfig, hookSecret]) {
      expect(o.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(weight(o)).toBeLessThan(weight(job));
    }
    expect(hookConfig.data).toEqual(find(chart, 'ConfigMap', (o) => !isHook(o)).data);
    expect(hookSecret.stringData).toEqual(find(chart, 'Secret', (o) => !isHook(o)).stringData);
  });

  it('the renderer refuses what it does not understand and records printed missing values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chart-'));
    try {
      mkdirSync(join(dir, 'templates'));
      writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: t\nversion: 0.1.0\nappVersion: "1"\n');
      writeFileSync(join(dir, 'values.yaml'), 'a: {b: 1}\n');
      writeFileSync(join(dir, 'templates', 'x.yaml'), 'k: {{ .Values.a.typo }}\n');
      expect(renderChart(dir).missing).toEqual(['.Values.a.typo']);
      writeFileSync(join(dir, 'templates', 'x.yaml'), 'k: {{ .Values.a.b | lookup }}\n');
      expect(() => renderChart(dir)).toThrow(/unsupported function lookup/);
      writeFileSync(join(dir, 'templates', 'x.yaml'), 'k: {{ .Values.nope.deeper }}\n');
      expect(() => renderChart(dir)).toThrow(/nil pointer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
