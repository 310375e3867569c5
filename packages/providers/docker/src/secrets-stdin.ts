/**
 * Secrets through the container's stdin (docker.secrets: stdin, the default; see ADR 022-docker).
 *
 * The container starts as `/bin/sh -c PRELUDE taskport-secrets <image entrypoint...> <argv...>`. The
 * prelude is this fixed text: it reads one line per secret from stdin, exports it, and `exec`s the
 * arguments, so the command runs as the same argv (and as PID 2 under the engine's init) with the
 * secrets in its environment, while `docker inspect` shows only their absence. Nothing the user gave
 * is ever part of the script: names and values arrive as data on stdin.
 *
 * Line format: `NAME <value>`, the value written byte by byte as `\ooo` octal escapes, which POSIX
 * `printf` decodes in its format argument. Every byte is escaped, so the format holds no `%`, no
 * newline and nothing else printf would interpret; the trailing `x` keeps trailing newlines of the
 * value from being eaten by the command substitution.
 *
 * The prelude reads stdin to its end, so the command then reads EOF: a task that is not interactive
 * reads an empty stdin, with secrets or without (then the container has no stdin at all).
 *
 * Interactive tasks (see INTERACTIVE_SECRETS_PRELUDE) cannot take their secrets on stdin: the engine
 * closes a `StdinOnce` stdin when the first attach ends, so the secrets' attach would close it before
 * the user's input came, and without `StdinOnce` the user's input would never end in EOF. Their
 * secrets go through a pipe inside the container instead, and stdin stays the user's.
 */
const READ_SECRETS = [
  'while IFS= read -r taskport_line; do',
  // Template literals with \${ : shell parameter expansions, not JavaScript placeholders.
  `taskport_name=\${taskport_line%% *};`,
  `taskport_value=$(printf "\${taskport_line#* }x");`,
  `export "$taskport_name=\${taskport_value%x}";`,
  'done',
].join(' ');

export const SECRETS_PRELUDE = [
  `${READ_SECRETS};`,
  'unset taskport_line taskport_name taskport_value;',
  'exec "$@"',
].join(' ');

/**
 * The named pipe an interactive task's secrets pass through: in the container's own `/dev/shm` (a
 * tmpfs private to the container, writable by any user, also with a read-only root filesystem), so
 * the secrets are never on a disk nor in the container's config, and the pipe is gone once read.
 */
export const SECRETS_FIFO = '/dev/shm/taskport-secrets';

/**
 * The prelude of an interactive task with secrets: the same reading loop, from SECRETS_FIFO instead of
 * stdin, which it leaves untouched for `attachStdin`. Whichever of this prelude and SECRETS_FEEDER
 * comes first creates the pipe (`mkfifo` fails harmlessly for the second); the prelude removes it once
 * the feeder closed it. Without a pipe it stops with 125 rather than run the command without secrets.
 */
export const INTERACTIVE_SECRETS_PRELUDE = [
  `taskport_fifo=${SECRETS_FIFO};`,
  'mkfifo -m 600 "$taskport_fifo" 2>/dev/null;',
  '[ -p "$taskport_fifo" ] || {',
  `echo "taskport: cannot create the secrets pipe $taskport_fifo (an interactive task with secrets needs mkfifo and a writable /dev/shm in the image; or set docker.secrets: env)" >&2;`,
  'exit 125; };',
  `${READ_SECRETS} < "$taskport_fifo";`,
  'rm -f "$taskport_fifo";',
  'unset taskport_line taskport_name taskport_value taskport_fifo;',
  'exec "$@"',
].join(' ');

/**
 * The exec that hands an interactive task its secrets: copies its own stdin (the encoded secrets, as
 * data over the exec's attach) into SECRETS_FIFO, and never writes a regular file (`-p` first).
 */
export const SECRETS_FEEDER: readonly string[] = [
  '/bin/sh',
  '-c',
  'mkfifo -m 600 "$0" 2>/dev/null; [ -p "$0" ] && exec cat > "$0"',
  SECRETS_FIFO,
];

/** `$0` of the prelude, shown by `ps` inside the container until the command replaces it. */
export const PRELUDE_NAME = 'taskport-secrets';

/** The stdin payload for `secrets` (names are checked by core's request validation). */
export function encodeSecrets(secrets: Record<string, string>): Buffer {
  let text = '';
  for (const [name, value] of Object.entries(secrets)) {
    let escaped = '';
    for (const byte of Buffer.from(value, 'utf8')) escaped += `\\${byte.toString(8).padStart(3, '0')}`;
    text += `${name} ${escaped}\n`;
  }
  return Buffer.from(text, 'latin1');
}

/**
 * The Entrypoint that runs the prelude in front of the image's own entrypoint (if any): the stdin one,
 * or for an interactive task the pipe one.
 */
export function preludeEntrypoint(
  imageEntrypoint: readonly string[] | null | undefined,
  options: { interactive?: boolean } = {},
): string[] {
  const prelude = options.interactive ? INTERACTIVE_SECRETS_PRELUDE : SECRETS_PRELUDE;
  return ['/bin/sh', '-c', prelude, PRELUDE_NAME, ...(imageEntrypoint ?? [])];
}
