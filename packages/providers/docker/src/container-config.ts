import type { DockerOptions } from './docker-options.js';
import { preludeEntrypoint } from './secrets-stdin.js';

/** What one start puts into its container, after validation (see DockerTaskExecutor.startTask). */
export interface ContainerPlan {
  /** The image as the engine names it. */
  reference: string;
  argv: readonly string[];
  /** `KEY=value` lines. */
  env: readonly string[];
  labels: Record<string, string>;
  /** The request's working directory; the `workingDir` option where the request has none. */
  workingDir?: string | undefined;
  /** Started with `interactive: true`: stdin stays open for one `attachStdin`. */
  interactive: boolean;
  /** The secrets go in through the prelude (docker.secrets: stdin and the request has secrets). */
  secretsByPrelude: boolean;
  /** The image's own Entrypoint, which the prelude runs in front of. */
  imageEntrypoint?: readonly string[] | null | undefined;
  cpu: number;
  /** MiB. */
  memory: number;
}

/**
 * The body of `POST /containers/create` for one task: what `docker run` would send for
 * `--init --workdir DIR -i --stop-timeout N --cpus --memory --network ... IMAGE ARGV...`.
 *
 * Stdin: an interactive task gets `OpenStdin` + `StdinOnce` (as `docker run -i` with an attached stdin):
 * the engine keeps the stdin open until the first attach to it ends, then closes it, so the command
 * reads the input and then EOF. A task with secrets on stdin (not interactive) gets the same, for the
 * secrets' attach. Any other task has no stdin at all and reads EOF at once. (`AttachStdin` only tells
 * a client that stdin is meant to be attached; the engine ignores it.)
 */
export function containerCreateBody(
  plan: ContainerPlan,
  options: Pick<
    DockerOptions,
    | 'user'
    | 'workingDir'
    | 'killGraceSeconds'
    | 'networkMode'
    | 'pidsLimit'
    | 'readonlyRootfs'
    | 'logDriver'
    | 'logOptions'
  >,
): Record<string, unknown> {
  const workingDir = plan.workingDir ?? options.workingDir;
  // An interactive task's secrets come through a pipe (see secrets-stdin.ts), so its stdin is the user's.
  const openStdin = plan.interactive || plan.secretsByPrelude;
  return {
    Image: plan.reference,
    Cmd: [...plan.argv],
    ...(plan.secretsByPrelude
      ? { Entrypoint: preludeEntrypoint(plan.imageEntrypoint, { interactive: plan.interactive }) }
      : {}),
    Env: [...plan.env],
    Labels: plan.labels,
    ...(options.user ? { User: options.user } : {}),
    ...(workingDir ? { WorkingDir: workingDir } : {}),
    StopTimeout: options.killGraceSeconds,
    AttachStdin: openStdin,
    OpenStdin: openStdin,
    StdinOnce: openStdin,
    Tty: false,
    HostConfig: {
      Init: true,
      NanoCpus: Math.round((plan.cpu / 1024) * 1e9),
      Memory: plan.memory * 1024 * 1024,
      ...(options.networkMode ? { NetworkMode: options.networkMode } : {}),
      ...(options.pidsLimit ? { PidsLimit: options.pidsLimit } : {}),
      ReadonlyRootfs: options.readonlyRootfs,
      LogConfig: { Type: options.logDriver, Config: options.logOptions ?? {} },
      // Never privileged, no host mounts, no added capabilities: the engine's defaults and nothing more.
      Privileged: false,
      AutoRemove: false,
    },
  };
}
