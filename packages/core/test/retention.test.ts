import { describe, expect, it } from 'vitest';
import { appliesAutomatically, parseRetention } from '../src/index.js';

describe('parseRetention', () => {
  it('takes a period of at least an hour, or off', () => {
    expect(parseRetention('30d', 'retention')).toBe(2_592_000);
    expect(parseRetention('1h', 'retention')).toBe(3600);
    expect(parseRetention('OFF', 'retention')).toBeNull();
  });

  it('refuses a shorter or malformed period, naming where it came from and the accepted forms', () => {
    expect(() => parseRetention('59m', 'TASKPORT_RETENTION')).toThrow(
      /TASKPORT_RETENTION "59m" is not a retention period; use e\.g\. 30d/,
    );
    expect(() => parseRetention('soon', 'retention')).toThrow(/at least 1h/);
  });
});

describe('automatic retention', () => {
  const canDelete = { delete: async () => {} };
  it('applies a period to a store that deletes, and a chosen period even to one that cannot', () => {
    expect(appliesAutomatically({ seconds: 86400, source: 'default' }, canDelete)).toBe(true);
    expect(appliesAutomatically({ seconds: 86400, source: 'file' }, {})).toBe(true);
  });
  it('does not apply when off, or when the default meets a store that cannot delete', () => {
    expect(appliesAutomatically({ seconds: null, source: 'env' }, canDelete)).toBe(false);
    expect(appliesAutomatically({ seconds: 86400, source: 'default' }, {})).toBe(false);
  });
});
