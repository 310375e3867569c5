import { describe, expect, it } from 'vitest';
import { CloudRunModel, parseFilter, runProgram } from '../src/index.js';

/* The fake's own pieces; the provider's tests drive it over the wire through the real clients. */

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const code = await runProgram(argv, {
    env,
    write: (stream, text) => {
      out[stream] += text;
    },
    sleep: async () => {},
  });
  return { code, ...out };
}

describe('the fake container runtime', () => {
  it('runs an argv as an argv, without a shell', async () => {
    expect(await run(['printf', '%s\\n', 'a b', '$HOME', '*'])).toEqual({
      code: 0,
      stdout: 'a b\n$HOME\n*\n',
      stderr: '',
    });
  });

  it('runs sh -c scripts with quoting, $VAR, >&2 and exit', async () => {
    const script = `printf '%s\\n' 'it'\\''s'; printf '%s=%s\\n' 'X' "$X" >&2; exit 3`;
    expect(await run(['/bin/sh', '-c', script], { X: 'a "b" $c' })).toEqual({
      code: 3,
      stdout: "it's\n",
      stderr: 'X=a "b" $c\n',
    });
  });

  it('fails like a missing executable for programs it cannot play', async () => {
    expect((await run(['python', '-c', 'print(1)'])).code).toBe(127);
    expect((await run(['/bin/sh', '-c', 'echo $(id)'])).code).toBe(2);
  });
});

describe('the fake Logging filter', () => {
  it('parses the conjunctions the adapters send, with an OR group', () => {
    const filter = parseFilter(
      'resource.type="cloud_run_job" AND labels."run.googleapis.com/execution_name"="j-abcde" AND (logName="a" OR logName="b") AND timestamp>="2026-01-01T00:00:00.000000000Z"',
    );
    expect(filter).toHaveLength(4);
    expect(filter[1]![0]).toEqual({
      path: ['labels', 'run.googleapis.com/execution_name'],
      op: '=',
      value: 'j-abcde',
    });
    expect(filter[2]!.map((c) => c.value)).toEqual(['a', 'b']);
  });

  it('refuses what it does not implement', () => {
    expect(() => parseFilter('textPayload:"x"')).toThrow(/not implemented/);
    expect(() => parseFilter('a="1" OR b="2"')).toThrow(/only AND/);
    expect(() => parseFilter('a="unterminated')).toThrow(/unterminated/);
  });
});

describe('the fake Cloud Run model', () => {
  const job = {
    template: {
      template: { containers: [{ image: 'alpine', resources: { limits: { cpu: '1', memory: '512Mi' } } }] },
    },
  };
  const parent = 'projects/p/locations/us-central1';

  it('honours etags and allow_missing on UpdateJob', () => {
    const model = new CloudRunModel();
    model.createJob({ parent, jobId: 'j', job });
    const stored = model.getJob({ name: `${parent}/jobs/j` });
    expect(() => model.updateJob({ job: { ...stored, etag: '"stale"' } })).toThrow(/does not match/);
    model.updateJob({ job: { ...stored, labels: { a: 'b' } } });
    expect(model.getJob({ name: `${parent}/jobs/j` }).etag).not.toBe(stored.etag);
    expect(() => model.updateJob({ job: { ...job, name: `${parent}/jobs/k` } })).toThrow(/does not exist/);
    model.updateJob({ job: { ...job, name: `${parent}/jobs/k` }, allowMissing: true });
    expect(model.getJob({ name: `${parent}/jobs/k` }).name).toBe(`${parent}/jobs/k`);
  });

  it('validates names, required fields and Cloud Run limits', () => {
    const model = new CloudRunModel();
    expect(() => model.createJob({ parent, jobId: 'Bad_Name', job })).toThrow(/job_id/);
    expect(() => model.createJob({ parent: 'projects/p', jobId: 'j', job })).toThrow(/parent/);
    expect(() => model.createJob({ parent, jobId: 'j' })).toThrow(/job is required/);
    const big = {
      template: {
        template: { containers: [{ image: 'a', resources: { limits: { cpu: '1', memory: '8Gi' } } }] },
      },
    };
    expect(() => model.createJob({ parent, jobId: 'j', job: big })).toThrow(/memory/);
    expect(() =>
      model.createJob({ parent, jobId: 'j', job: { ...job, labels: { 'run.googleapis.com/x': 'y' } } }),
    ).toThrow(/reserved/);
    model.createJob({ parent, jobId: 'j', job });
    expect(() => model.createJob({ parent, jobId: 'j', job })).toThrow(/already exists/);
    expect(() =>
      model.runJob({ name: `${parent}/jobs/j`, overrides: { timeout: { seconds: 700_000 } } }),
    ).toThrow(/timeout/);
  });
});
