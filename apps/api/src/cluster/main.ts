// `npm run start:cluster -- --instances 3 [--port 3000] [--base-port 3001]`: N API instances
// on one PostgreSQL and Redis behind a local round-robin proxy (HTTP and websockets), the
// stand-in for a Kubernetes Service. Ctrl-C stops the proxy and every instance.
import 'dotenv/config';
import { Command, InvalidArgumentError } from 'commander';
import { LocalCluster } from './cluster.js';

const int =
  (name: string, min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer ${min}..${max}`);
    return n;
  };

const program = new Command('start:cluster')
  .description('N API instances behind a round-robin proxy for HTTP and websockets')
  .option('--instances <n>', 'how many API processes', int('--instances', 1, 16), 3)
  .option('--port <port>', 'the proxy port (default: PORT or 3000)', int('--port', 0, 65535))
  .option(
    '--base-port <port>',
    'instance i listens on base-port + i (default: proxy port + 1)',
    int('--base-port', 1, 65535),
  )
  .parse(process.argv);

const opts = program.opts<{ instances: number; port?: number; basePort?: number }>();
const proxyPort = opts.port ?? Number(process.env.PORT ?? 3000);
const basePort = opts.basePort ?? proxyPort + 1;
const width = String(opts.instances - 1).length;

let cluster: LocalCluster | undefined;
let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('stopping the cluster\n');
  await cluster?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  cluster = await LocalCluster.start({
    instances: opts.instances,
    proxyPort,
    basePort,
    onLine: (i, stream, line) =>
      (stream === 'stdout' ? process.stdout : process.stderr).write(
        `[api-${String(i).padStart(width, '0')}] ${line}\n`,
      ),
  });
  for (const i of cluster.instances)
    if (i)
      i.child.once(
        'exit',
        (code, signal) =>
          !stopping && process.stderr.write(`instance ${i.index} exited (${signal ?? code})\n`),
      );
  process.stdout.write(
    `Hey Blue! cluster: ${opts.instances} instance(s) on ports ${basePort}..${basePort + opts.instances - 1} behind ${cluster.url.replace('127.0.0.1', 'localhost')} (Ctrl-C stops all)\n`,
  );
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  await stop(1);
}
