const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * The seconds in a duration written as days, hours, minutes and seconds in that order, each optional
 * (`30s`, `5m`, `1h30m`, `2d`), or NaN when the text is not of that form. One grammar for every place
 * a duration is typed: the CLI's flags (`--timeout`, `--since`, `--grace`, `--older-than`) and the
 * retention setting; each caller adds its own bounds and message.
 */
export function durationTextSeconds(text: string): number {
  const trimmed = text.trim().toLowerCase();
  const match = trimmed === '' ? null : DURATION.exec(trimmed);
  if (!match) return Number.NaN;
  return (
    Number(match[1] ?? 0) * 86400 +
    Number(match[2] ?? 0) * 3600 +
    Number(match[3] ?? 0) * 60 +
    Number(match[4] ?? 0)
  );
}
