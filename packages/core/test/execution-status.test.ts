import { describe, expect, it } from 'vitest';
import {
  ALL_EXECUTION_STATUSES,
  canTransition,
  FINAL_EXECUTION_STATUSES,
  statusesThatMayBecome,
} from '../src/domain/execution-status.js';

describe('execution status transitions', () => {
  it('lets any non-final status become any final one (events arrive out of order)', () => {
    for (const from of ['STARTING', 'RUNNING', 'TERMINATING'] as const) {
      for (const to of FINAL_EXECUTION_STATUSES)
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(true);
    }
  });

  it('never changes a final status, and a move to the same status is no transition', () => {
    for (const from of FINAL_EXECUTION_STATUSES) {
      for (const to of ALL_EXECUTION_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
    for (const status of ALL_EXECUTION_STATUSES) expect(canTransition(status, status)).toBe(false);
  });

  it('moves non-final statuses only forward', () => {
    expect(canTransition('STARTING', 'RUNNING')).toBe(true);
    expect(canTransition('STARTING', 'TERMINATING')).toBe(true);
    expect(canTransition('RUNNING', 'TERMINATING')).toBe(true);
    expect(canTransition('RUNNING', 'STARTING')).toBe(false);
    expect(canTransition('TERMINATING', 'RUNNING')).toBe(false);
  });

  it('gives the condition of a conditional update', () => {
    expect(statusesThatMayBecome('RUNNING')).toEqual(['STARTING']);
    expect(statusesThatMayBecome('STOPPED').sort()).toEqual(['RUNNING', 'STARTING', 'TERMINATING']);
  });
});
