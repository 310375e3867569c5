/**
 * An isolated Docker engine for tests and benchmarks (see README.md next to this file).
 *
 * `startDockerHarness()` installs what is missing (ensure-docker.sh), then starts, under one fresh temp
 * directory: a local registry (Debian's docker-registry with its own config, on 127.0.0.1 only) and a
 * dockerd with its own data-root, exec-root, pidfile and socket, no bridge, no iptables, no IP forwarding,
 * and a dead proxy so an accidental pull from outside fails at once. It builds the busybox test image with
 * `docker import`, pushes it to the registry (for pull-by-digest tests), and returns `stop()`, which
 * removes every container, SIGTERMs the daemon and the registry by pid and kills any process left that
 * belongs to this directory (containerd shims, watchdogs), even when setup failed half-way.
 *
 * Plain TypeScript with erasable syntax only, so Node runs it directly (the benchmarks) and vitest too.
 * It never reads or touches the machine-wide /var/run/docker.sock.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ENSURE = join(HERE, 'ensure-docker.sh');

/** The image every test container runs: a static busybox with one link per applet. */
export const TEST_IMAGE = 'taskport-test/busybox:1';

export interface DockerHarness {
  /** `unix://<dir>/docker.sock`: pass it as the provider's `host`. */
  host: string;
  socketPath: string;
  /** The temp directory holding everything (removed by `stop`). */
  dir: string;
  /** `taskport-test/busybox:1`, in the engine. */
  image: string;
  /** `127.0.0.1:<port>`: the local registry. */
  registry: string;
  /** The test image as pushed to the registry: `127.0.0.1:<port>/taskport-test/busybox` and its digest. */
  registryImage: { repository: string; reference: string; digest: string };
  /** The docker CLI, for benchmarks comparing against `docker run`. */
  dockerCli: string;
  /** Environment for the docker CLI that points it at this engine (and at a config dir of its own). */
  cliEnv: Record<string, string>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

interface Tools {
  DOCKERD: string;
  DOCKER: string;
  BUSYBOX: string;
  REGISTRY: string;
}

/** Runs ensure-docker.sh; throws saying how to install what is missing. */
export function ensureDockerTools(): Tools {
  const result = spawnSync('bash', [ENSURE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(
      `[docker harness] the Docker engine is not available and could not be installed (tooling/docker/ensure-docker.sh exit ${result.status}):\n${result.stderr.trim()}\n` +
        'Install Docker Engine (Debian/Ubuntu: apt-get install docker.io busybox-static docker-registry) and run the tests as root, or see docs/providers/docker.md.',
    );
  }
  const tools: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const [key, ...value] = line.split('=');
    if (key && value.length > 0) tools[key] = value.join('=');
  }
  for (const key of ['DOCKERD', 'DOCKER', 'BUSYBOX', 'REGISTRY']) {
    if (!tools[key]) throw new Error(`[docker harness] ensure-docker.sh did not report ${key}`);
  }
  return tools as unknown as Tools;
}

export async function startDockerHarness(options: HarnessOptions = {}): Promise<DockerHarness> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[docker harness] ${line}\n`));
  const tools = ensureDockerTools();
  const dir = mkdtempSync(join(tmpdir(), 'taskport-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const host = `unix://${socketPath}`;
  const children: ChildProcess[] = [];
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    await removeAllContainers(socketPath).catch(() => undefined);
    for (const child of children.reverse()) await terminate(child, 20_000);
    killLeftovers(dir);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  // Last resort if the test runner exits without teardown: signal by pid, synchronously.
  const onExit = () => {
    for (const child of children)
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  };
  process.once('exit', onExit);

  try {
    const registryPort = await freePort();
    const registry = `127.0.0.1:${registryPort}`;
    mkdirSync(join(dir, 'registry'));
    // Our own config: the package's default listens on every interface and wants htpasswd auth.
    writeFileSync(
      join(dir, 'registry.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'registry')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: ${registry}`,
        '',
      ].join('\n'),
    );
    const registryLog = openSync(join(dir, 'registry.log'), 'a');
    children.push(
      spawn(tools.REGISTRY, ['serve', join(dir, 'registry.yml')], {
        stdio: ['ignore', registryLog, registryLog],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      }),
    );

    const dockerdLog = openSync(join(dir, 'dockerd.log'), 'a');
    const dockerd = spawn(
      tools.DOCKERD,
      [
        `--data-root=${join(dir, 'data')}`,
        `--exec-root=${join(dir, 'exec')}`,
        `--pidfile=${join(dir, 'docker.pid')}`,
        `--host=${host}`,
        '--iptables=false',
        '--ip6tables=false',
        '--ip-forward=false',
        '--ip-masq=false',
        '--bridge=none',
        '--storage-driver=overlay2',
        `--insecure-registry=${registry}`,
      ],
      {
        stdio: ['ignore', dockerdLog, dockerdLog],
        env: {
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
          // Nothing may leave loopback: a pull from any outside registry fails at once.
          HTTP_PROXY: 'http://127.0.0.1:9',
          HTTPS_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '127.0.0.1,localhost',
        },
      },
    );
    children.push(dockerd);
    const started = Date.now();
    await waitUntil(
      async () => {
        if (dockerd.exitCode !== null) {
          throw new Error(`dockerd exited with ${dockerd.exitCode}:\n${tail(join(dir, 'dockerd.log'))}`);
        }
        return (await get(socketPath, '/_ping').catch(() => '')) === 'OK';
      },
      30_000,
      () => `dockerd did not answer /_ping within 30 s:\n${tail(join(dir, 'dockerd.log'))}`,
    );
    log(`dockerd ${dockerd.pid} ready at ${host} in ${Date.now() - started} ms`);
    await waitUntil(
      async () => (await httpStatus(`http://${registry}/v2/`).catch(() => 0)) === 200,
      15_000,
      () => `the registry did not answer on ${registry} within 15 s:\n${tail(join(dir, 'registry.log'))}`,
    );

    const cliEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DOCKER_HOST: host,
      DOCKER_CONFIG: join(dir, 'cli-config'),
    };
    const cli = (args: string[], input?: Buffer): string => {
      const result = spawnSync(tools.DOCKER, args, {
        env: cliEnv,
        input,
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
      return result.stdout.trim();
    };
    buildBusyboxImage(dir, tools.BUSYBOX, cli);
    const repository = `${registry}/taskport-test/busybox`;
    cli(['tag', TEST_IMAGE, `${repository}:1`]);
    cli(['push', `${repository}:1`]);
    const repoDigest = cli([
      'image',
      'inspect',
      '-f',
      '{{range .RepoDigests}}{{println .}}{{end}}',
      `${repository}:1`,
    ])
      .split('\n')
      .find((line) => line.startsWith(`${repository}@`));
    if (!repoDigest) throw new Error(`pushing ${repository}:1 gave no repo digest`);
    // Only the plain test tag stays: pulls from the registry are real pulls.
    cli(['rmi', `${repository}:1`]);
    const digest = repoDigest.slice(repository.length + 1);
    log(`test image ${TEST_IMAGE} built; pushed as ${repository}@${digest}`);
    return {
      host,
      socketPath,
      dir,
      image: TEST_IMAGE,
      registry,
      registryImage: { repository, reference: `${repository}:1`, digest },
      dockerCli: tools.DOCKER,
      cliEnv,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A rootfs of one static busybox with a link per applet, imported as TEST_IMAGE (0.1-0.2 s). */
function buildBusyboxImage(
  dir: string,
  busybox: string,
  cli: (args: string[], input?: Buffer) => string,
): void {
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'tmp', 'root']) mkdirSync(join(rootfs, sub), { recursive: true });
  writeFileSync(join(rootfs, 'bin', 'busybox'), readFileSync(busybox), { mode: 0o755 });
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox' && !existsSync(join(rootfs, 'bin', applet)))
      symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  writeFileSync(
    join(rootfs, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1 << 26 });
  if (tar.status !== 0) throw new Error(`tar of the test rootfs failed: ${tar.stderr.toString()}`);
  cli(['import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV PATH=/bin', '-', TEST_IMAGE], tar.stdout);
}

async function removeAllContainers(socketPath: string): Promise<void> {
  const list = JSON.parse(await get(socketPath, '/v1.41/containers/json?all=1')) as Array<{ Id: string }>;
  for (const container of list) {
    await call(socketPath, 'DELETE', `/v1.41/containers/${container.Id}?force=1&v=1`).catch(() => undefined);
  }
}

/** SIGTERM, wait, then SIGKILL: by the child's own pid. */
async function terminate(child: ChildProcess, waitMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), waitMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Kills, by pid, every process whose command line names this harness's directory: containerd shims
 * that survive a daemon that did not stop cleanly, and timeout watchdogs still waiting on this engine.
 */
function killLeftovers(dir: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(dir)) {
      try {
        process.kill(Number(entry), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}

/** Lazily unmounts anything still mounted under the directory (overlay mounts of killed containers). */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const target of mounts) spawnSync('umount', ['-l', target]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function call(socketPath: string, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: 30_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        (response.statusCode ?? 500) < 400 ? resolve(body) : reject(new Error(`${method} ${path}: ${body}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const get = (socketPath: string, path: string) => call(socketPath, 'GET', path);

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  message: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
