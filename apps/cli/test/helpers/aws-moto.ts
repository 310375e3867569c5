// moto for the CLI's AWS tests and bench: start the launcher, find the default network, and count the AWS
// calls a CLI process makes with a proxy in front of moto. Node built-ins only and erasable TypeScript, so
// the plain-JS bench can import this file too (Node strips the types).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const ENSURE = fileURLToPath(new URL('../../../../tooling/moto/ensure-moto.sh', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../../../../tooling/moto/launcher.py', import.meta.url));

export const MOTO_REGION = 'us-east-1';
/** Any non-empty keys: moto checks no signature. Passed as environment, like a user's own keys. */
export const MOTO_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: MOTO_REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
};

export interface Moto {
  endpoint: string;
  /** Stops the launcher by its pid. */
  stop(): Promise<void>;
}

/** Installs moto if needed (tooling/moto/ensure-moto.sh, from PyPI) and starts it on a free loopback port. */
export async function startMoto(): Promise<Moto> {
  const ensured = spawnSync('bash', [ENSURE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const python = ensured.stdout.trim().split('\n').pop() ?? '';
  if (ensured.status !== 0 || !existsSync(python)) {
    throw new Error(
      `${ENSURE} failed (exit ${ensured.status}); it installs moto from PyPI into .toolchain/moto-venv`,
    );
  }
  const child: ChildProcess = spawn(python, [LAUNCHER, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    child.removeAllListeners('exit');
    const exited = new Promise((done) => child.once('exit', done));
    process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 3000).unref())]);
  };
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`moto did not start in 60 s: ${err.slice(-2000)}`)),
      60_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto exited with ${code}: ${err.slice(-2000)}`));
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return { endpoint, stop };
}

/** One EC2 query-protocol call to moto (the CLI has no EC2 client; moto routes by the SigV4 scope). */
async function ec2(endpoint: string, action: string, filters: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15' });
  Object.entries(filters).forEach(([name, value], i) => {
    body.set(`Filter.${i + 1}.Name`, name);
    body.set(`Filter.${i + 1}.Value.1`, value);
  });
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${MOTO_REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`EC2 ${action} on moto failed (HTTP ${response.status}): ${text}`);
  return text;
}

/** A subnet and security group of moto's default VPC (which has enableDnsHostnames, as RunTask needs on moto). */
export async function defaultNetwork(endpoint: string): Promise<{ subnet: string; securityGroup: string }> {
  const subnets = await ec2(endpoint, 'DescribeSubnets', { 'default-for-az': 'true' });
  const groups = await ec2(endpoint, 'DescribeSecurityGroups', { 'group-name': 'default' });
  const subnet = /<subnetId>(subnet-[0-9a-f]+)<\/subnetId>/.exec(subnets)?.[1];
  const securityGroup = /<groupId>(sg-[0-9a-f]+)<\/groupId>/.exec(groups)?.[1];
  if (!subnet || !securityGroup) throw new Error('moto has no default subnet / security group');
  return { subnet, securityGroup };
}

/**
 * An HTTP proxy in front of moto that records every AWS call crossing it, as `Service.Operation`
 * (`DynamoDB.GetItem`, `ECS.RunTask`): the JSON protocols name it in `X-Amz-Target`, the query protocol
 * (IAM) in the body's `Action`. Retries show up as repeated calls.
 */
export class CountingProxy {
  readonly calls: string[] = [];
  private server: Server | undefined;

  async start(upstream: string): Promise<string> {
    const target = new URL(upstream);
    this.server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        this.calls.push(callName(String(incoming.headers['x-amz-target'] ?? ''), body.toString('utf8')));
        const forward = httpRequest(
          {
            hostname: target.hostname,
            port: target.port,
            path: incoming.url,
            method: incoming.method,
            headers: { ...incoming.headers, host: target.host },
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forward.on('error', () => outgoing.writeHead(502).end());
        forward.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.calls.length = 0;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

const SERVICES: Record<string, string> = {
  AmazonEC2ContainerServiceV20141113: 'ECS',
  DynamoDB_20120810: 'DynamoDB',
  Logs_20140328: 'Logs',
};

function callName(target: string, body: string): string {
  const [prefix, operation] = target.split('.');
  if (prefix && operation) return `${SERVICES[prefix] ?? prefix}.${operation}`;
  const action = new URLSearchParams(body).get('Action');
  return action ? `Query.${action}` : 'unknown';
}
