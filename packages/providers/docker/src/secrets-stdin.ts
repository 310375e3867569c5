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
 */
export const SECRETS_PRELUDE = [
  'while IFS= read -r taskport_line; do',
  // Template literals with \${ : shell parameter expansions, not JavaScript placeholders.
  `taskport_name=\${taskport_line%% *};`,
  `taskport_value=$(printf "\${taskport_line#* }x");`,
  `export "$taskport_name=\${taskport_value%x}";`,
  'done;',
  'unset taskport_line taskport_name taskport_value;',
  'exec "$@"',
].join(' ');

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

/** The Entrypoint that runs the prelude in front of the image's own entrypoint (if any). */
export function preludeEntrypoint(imageEntrypoint: readonly string[] | null | undefined): string[] {
  return ['/bin/sh', '-c', SECRETS_PRELUDE, PRELUDE_NAME, ...(imageEntrypoint ?? [])];
}
