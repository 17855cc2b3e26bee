import { renderChart } from './helm-render.js';

/**
 * Every manifest the chart renders, under the value sets an operator is likely to use, checked
 * against the Kubernetes API's own JSON schemas (the kubernetes-models package, generated from the
 * OpenAPI document of a current Kubernetes release: it carries resource.k8s.io/v1, GA in 1.34).
 * helm.spec.ts checks what the chart means; this checks that a stock API server would accept it
 * (types, enums, required fields), which the home-grown renderer alone cannot.
 */
const CHART = 'deploy/helm/heyblue';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: any };
type Model = new (data: Manifest) => { validate(): void };

const VARIANTS: Record<string, Record<string, unknown>> = {
  defaults: {},
  'fixed replicas, no autoscaler': { autoscaling: { enabled: false }, replicaCount: 4 },
  'existing secret, shared uploads claim': {
    existingSecret: 'heyblue-vault',
    uploads: { existingClaim: 'heyblue-uploads' },
  },
  'no ingress, bigger pods': {
    ingress: { enabled: false },
    nodeHeapMb: 1536,
    resources: { limits: { cpu: '2', memory: '2Gi' } },
  },
  'filled secrets as files': {
    secrets: {
      DATABASE_URL: 'postgresql://app@db/heyblue',
      IAM_PII_ENCRYPTION_KEY: 'k1',
      VOUCHER_KEY_ENCRYPTION_KEY: 'k2',
    },
  },
  'secrets as environment variables': { secretsAsFiles: false },
};

async function modelOf(m: Manifest): Promise<Model> {
  // kubernetes-models lays its modules out by API group and version: v1, apps/v1, networking.k8s.io/v1...
  const mod = (await import(`kubernetes-models/${m.apiVersion}`)) as Record<string, Model | undefined>;
  const model = mod[m.kind];
  if (!model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}: not a kind of a current Kubernetes`);
  return model;
}

describe('Helm chart manifests against the Kubernetes JSON schemas', () => {
  it.each(Object.entries(VARIANTS))('%s: every rendered manifest validates', async (_name, values) => {
    const chart = renderChart(CHART, values);
    expect(chart.missing).toEqual([]);
    const kinds = new Set<string>();
    for (const manifest of chart.objects as Manifest[]) {
      const Model = await modelOf(manifest);
      expect(() => new Model(manifest).validate()).not.toThrow();
      kinds.add(manifest.kind);
    }
    // The objects the issue names are among those checked, whatever the values.
    for (const kind of ['Deployment', 'Service', 'Job', 'PodDisruptionBudget', 'ConfigMap'])
      expect(kinds).toContain(kind);
  });

  it('the defaults render the HPA, the Ingress and the Secret, so their schemas are checked too', () => {
    const kinds = (renderChart(CHART, {}).objects as Manifest[]).map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['HorizontalPodAutoscaler', 'Ingress', 'Secret']));
  });

  it('the schemas bite: a wrong type, a missing field and an unknown enum value are refused', async () => {
    const deployment = (renderChart(CHART, {}).objects as Manifest[]).find((o) => o.kind === 'Deployment')!;
    const Model = await modelOf(deployment);
    const broken = (mutate: (d: Manifest) => void) => {
      const copy = structuredClone(deployment);
      mutate(copy);
      return () => new Model(copy).validate();
    };
    expect(broken((d) => (d.spec.template.spec.containers[0].ports[0].containerPort = '3000'))).toThrow(
      /containerPort must be integer/,
    );
    expect(broken((d) => delete d.spec.selector)).toThrow(/must have required property selector/);
    expect(broken((d) => (d.spec.strategy.type = 'Sideways'))).toThrow(/allowed values/);
  });
});
