import { describe, expect, it } from 'vitest';
import { type ContainerInspect, describeContainer } from '../src/container-state.js';

const NEVER = '0001-01-01T00:00:00Z';
const now = Date.parse('2026-12-01T12:00:00Z');

function container(
  state: Partial<ContainerInspect['State']>,
  labels: Record<string, string> = {},
): ContainerInspect {
  return {
    Id: 'abc',
    Name: '/taskport-x',
    Created: '2026-12-01T11:59:00Z',
    Image: 'sha256:1',
    State: { Status: 'running', StartedAt: NEVER, FinishedAt: NEVER, ...state },
    Config: { Labels: { 'taskport.managed': 'true', ...labels } },
    HostConfig: { Memory: 8 * 1048576 },
  };
}

const context = { now, intent: undefined, graceMs: 10_000, startGraceMs: 120_000, details: {} };

describe('describeContainer', () => {
  it("exit codes are the engine's, and 143 without a recorded stop is the command's own failure", () => {
    const ended = {
      Status: 'exited',
      StartedAt: '2026-12-01T11:59:01Z',
      FinishedAt: '2026-12-01T11:59:02.123456789Z',
    };
    expect(describeContainer(container({ ...ended, ExitCode: 0 }), context).description).toMatchObject({
      status: 'SUCCEEDED',
      exitCode: 0,
      stopCode: 'EXITED',
      stoppedAt: '2026-12-01T11:59:02.123Z',
    });
    expect(describeContainer(container({ ...ended, ExitCode: 143 }), context).description).toMatchObject({
      status: 'FAILED',
      exitCode: 143,
      stopCode: 'EXITED',
    });
  });

  it('a recorded kill or timeout decides how a stopped container ended; one recorded after it ended does not', () => {
    const ended = {
      Status: 'exited',
      ExitCode: 143,
      StartedAt: '2026-12-01T11:59:01Z',
      FinishedAt: '2026-12-01T11:59:05Z',
    };
    const kill = {
      stopCode: 'USER_INITIATED' as const,
      reason: 'stopped on request',
      requestedAt: Date.parse('2026-12-01T11:59:04Z'),
    };
    expect(describeContainer(container(ended), { ...context, intent: kill }).description).toMatchObject({
      status: 'STOPPED',
      stopCode: 'USER_INITIATED',
      exitCode: 143,
    });
    const timeout = {
      ...kill,
      stopCode: 'TIMED_OUT' as const,
      reason: 'timed out after 3 s (timeoutSeconds)',
    };
    expect(describeContainer(container(ended), { ...context, intent: timeout }).description).toMatchObject({
      status: 'FAILED',
      stopCode: 'TIMED_OUT',
    });
    const late = { ...kill, requestedAt: Date.parse('2026-12-01T11:59:09Z') };
    expect(describeContainer(container(ended), { ...context, intent: late }).description.stopCode).toBe(
      'EXITED',
    );
  });

  it('a command that ended before the engine stamped its start ends no earlier than it started', () => {
    const quick = container({
      Status: 'exited',
      ExitCode: 7,
      StartedAt: '2026-12-01T11:59:01.500Z',
      FinishedAt: '2026-12-01T11:59:01.499Z',
    });
    const { description } = describeContainer(quick, context);
    expect(description.startedAt).toBe('2026-12-01T11:59:01.500Z');
    expect(description.stoppedAt).toBe('2026-12-01T11:59:01.500Z');
  });

  it('OOMKilled is FAILED with the reason; a dead container is RUNTIME_LOST', () => {
    const oom = container({
      Status: 'exited',
      ExitCode: 137,
      OOMKilled: true,
      StartedAt: '2026-12-01T11:59:01Z',
      FinishedAt: '2026-12-01T11:59:02Z',
    });
    expect(describeContainer(oom, context).description).toMatchObject({ status: 'FAILED', exitCode: 137 });
    expect(describeContainer(oom, context).description.reason).toContain('OOMKilled; memory limit of 8 MiB');
    const dead = container({
      Status: 'dead',
      ExitCode: 0,
      StartedAt: '2026-12-01T11:59:01Z',
      FinishedAt: '2026-12-01T11:59:02Z',
    });
    expect(describeContainer(dead, context).description).toMatchObject({
      status: 'FAILED',
      stopCode: 'RUNTIME_LOST',
    });
  });

  it('created is STARTING, until the start grace runs out or the engine reports a start error', () => {
    expect(describeContainer(container({ Status: 'created' }), context).description.status).toBe('STARTING');
    const stale = { ...context, now: now + 10 * 60_000 };
    expect(describeContainer(container({ Status: 'created' }), stale).description).toMatchObject({
      status: 'FAILED',
      stopCode: 'FAILED_TO_START',
      exitCode: null,
    });
    expect(
      describeContainer(container({ Status: 'created', Error: 'exec: "nope": not found' }), context)
        .description,
    ).toMatchObject({
      status: 'FAILED',
      stopCode: 'FAILED_TO_START',
      reason: expect.stringContaining('nope'),
    });
  });

  it("a running container past its deadline, or past a stop's grace period, asks to be stopped", () => {
    const past = String(now - 60_000);
    expect(describeContainer(container({}, { 'taskport.deadline': past }), context).enforce.kind).toBe(
      'timeout',
    );
    expect(
      describeContainer(container({}, { 'taskport.deadline': String(now + 60_000) }), context).enforce.kind,
    ).toBe('none');
    const kill = {
      stopCode: 'USER_INITIATED' as const,
      reason: 'stopped on request',
      requestedAt: now - 60_000,
    };
    const state = describeContainer(container({}), { ...context, intent: kill });
    expect(state.description.status).toBe('TERMINATING');
    expect(state.enforce.kind).toBe('stop-again');
  });

  it("a kill that chose its grace period is overdue after that grace, not the executor's", () => {
    const kill = (graceSeconds: number) => ({
      stopCode: 'USER_INITIATED' as const,
      reason: 'stopped on request',
      requestedAt: now - 60_000,
      graceSeconds,
    });
    // 60 s after the kill: past a 10 s grace (the executor's, too), within a 300 s one.
    expect(describeContainer(container({}), { ...context, intent: kill(300) }).enforce.kind).toBe('none');
    expect(describeContainer(container({}), { ...context, intent: kill(10) }).enforce.kind).toBe(
      'stop-again',
    );
    expect(
      describeContainer(container({}), { ...context, graceMs: 300_000, intent: kill(0) }).enforce.kind,
    ).toBe('stop-again');
  });
});
