import { ValidationError } from '@taskport/core';

export interface IdRule {
  /** What the id names, for the message: "execution id", "image id". */
  what: string;
  /** Shape the id must have. */
  pattern: RegExp;
  /** Human description of the pattern: "a task ARN or a 32-hex task id". */
  expected: string;
  /** @default 1024 */
  maxLength?: number;
}

/**
 * Checks an id given by a user before it reaches a provider call (or a filter expression).
 * @throws ValidationError that says what shape was expected (the bad value is quoted, cut to 80 chars)
 */
export function checkId(
  value: unknown,
  rule: IdRule,
  context: { provider?: string; operation?: string } = {},
): string {
  const text = typeof value === 'string' ? value : '';
  const maxLength = rule.maxLength ?? 1024;
  if (text === '' || text.length > maxLength || !rule.pattern.test(text)) {
    const shown = JSON.stringify(String(value).slice(0, 80));
    throw new ValidationError(`${shown} is not a valid ${rule.what}; expected ${rule.expected}`, {
      ...context,
      details: { field: rule.what },
    });
  }
  return text;
}

/** True for a string that is safe as a label, tag or resource-name fragment: letters, digits, `.`, `_`, `-`. */
export function isSimpleToken(value: string, maxLength = 63): boolean {
  return value.length > 0 && value.length <= maxLength && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value);
}
