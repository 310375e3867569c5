import { type Static, Type } from 'typebox';

/**
 * Every request and response body of the API, defined once. Fastify validates input against them (ajv),
 * serialises output through them (so a field that is not in a schema never reaches a client) and
 * @fastify/swagger turns them into the OpenAPI 3.1 document. The shapes are the CLI's `--json` shapes.
 */

export const ROLES = ['admin', 'operator', 'developer', 'viewer'] as const;

const L = Type.Literal;
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });

export const ExecutionStatusSchema = Type.Union(
  [L('STARTING'), L('RUNNING'), L('SUCCEEDED'), L('FAILED'), L('STOPPED'), L('TERMINATING')],
  { description: 'Status of an execution' },
);
export const RoleSchema = Type.Union([L('admin'), L('operator'), L('developer'), L('viewer')], {
  description: 'Role of a user',
});
const StopCodeSchema = Type.Union(
  [L('EXITED'), L('USER_INITIATED'), L('TIMED_OUT'), L('FAILED_TO_START'), L('RUNTIME_LOST')],
  { description: 'Why it stopped' },
);

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({
          description:
            'VALIDATION, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED, UNAVAILABLE, PROVIDER, CONFIGURATION, UNSUPPORTED or INTERNAL',
        }),
        message: Type.String(),
        requestId: Type.String(),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: false },
    ),
  },
  { title: 'Error', additionalProperties: false, description: 'Every error response' },
);

/** The error answers every authenticated route may give, for its `response` schema. */
export const COMMON_ERRORS = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  429: ErrorBody,
};

export const Execution = Type.Object(
  {
    executionId: Type.String(),
    status: ExecutionStatusSchema,
    exitCode: nullable(Type.Integer(), 'null until known; never fabricated'),
    stopCode: nullable(StopCodeSchema),
    reason: nullable(Type.String()),
    command: Type.Union([Type.String(), Type.Array(Type.String())], {
      description: 'A string runs through /bin/sh -c; an array is the argv',
    }),
    commandLine: Type.String({ description: 'The command on one line, for display' }),
    image: Type.String(),
    imageId: Type.String(),
    executor: Type.String({ description: 'Provider that runs it' }),
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: nullable(Type.String({ format: 'date-time' })),
    completedAt: nullable(Type.String({ format: 'date-time' })),
    durationMs: nullable(Type.Integer()),
    timeoutSeconds: nullable(Type.Integer()),
    workingDir: nullable(
      Type.String({ description: 'The directory it was started in, when one was chosen' }),
    ),
    requestId: Type.String(),
    labels: StringMap('Labels of the execution'),
    envKeys: Type.Array(Type.String(), { description: 'Names (never values) of its environment' }),
  },
  { title: 'Execution', additionalProperties: false },
);
export type ExecutionJson = Static<typeof Execution>;

export const Image = Type.Object(
  {
    imageId: Type.String(),
    image: Type.String({ description: 'The reference as registered' }),
    reference: Type.String({ description: 'Fully normalised reference' }),
    isDefault: Type.Boolean(),
    cpu: Type.Integer({ description: 'CPU units, 1024 = 1 vCPU' }),
    memory: Type.Integer({ description: 'MiB' }),
    platform: Type.String(),
    taskRole: nullable(Type.String()),
    executionRole: nullable(Type.String()),
    registeredBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    providerRef: nullable(Type.String()),
  },
  { title: 'Image', additionalProperties: false },
);
export type ImageJson = Static<typeof Image>;

export const LogEvent = Type.Object(
  {
    timestamp: Type.Integer({ description: 'Unix milliseconds' }),
    stream: Type.Union([L('stdout'), L('stderr')], { description: 'Which output stream' }),
    message: Type.String(),
    eventId: Type.String(),
    bytes: Type.Optional(
      Type.String({
        contentEncoding: 'base64',
        description:
          'Only when `message` + "\\n" is not the exact output (invalid UTF-8, a CR, no final newline): those bytes, line end included',
      }),
    ),
    encoding: Type.Optional(L('base64')),
    cursor: Type.String({ description: 'Resume point after this event (logs `after`, SSE Last-Event-ID)' }),
  },
  { title: 'LogEvent', additionalProperties: false },
);
export type LogEventJson = Static<typeof LogEvent>;

export const User = Type.Object(
  {
    email: Type.String(),
    role: RoleSchema,
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.String(),
    revokedAt: nullable(Type.String({ format: 'date-time' })),
    keys: Type.Array(
      Type.Object(
        {
          keyId: Type.String(),
          createdAt: Type.String({ format: 'date-time' }),
          lastUsedAt: nullable(Type.String({ format: 'date-time' })),
          revokedAt: nullable(Type.String({ format: 'date-time' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'User', additionalProperties: false },
);
export type UserJson = Static<typeof User>;

const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 256 });
const NoNul = (options: { minLength?: number; maxLength?: number; description?: string } = {}) =>
  Type.String({ pattern: '^[^\\u0000]*$', ...options });

export const RunBody = Type.Object(
  {
    command: Type.Union(
      [
        NoNul({ minLength: 1, maxLength: 262144, description: 'Runs as /bin/sh -c <command>' }),
        Type.Array(NoNul({ maxLength: 262144 }), { minItems: 1, maxItems: 4096, description: 'The argv' }),
      ],
      { description: 'What to run: a command line or an argv' },
    ),
    image: Type.Optional(NoNul({ maxLength: 1024, description: 'ImageID or name; absent = default image' })),
    env: Type.Optional(
      Type.Record(EnvName, NoNul({ maxLength: 131072 }), {
        description: 'Environment (values are stored)',
        maxProperties: 512,
      }),
    ),
    secrets: Type.Optional(
      Type.Record(EnvName, NoNul({ maxLength: 131072 }), {
        description: 'Secret environment: passed to the task, never stored or echoed',
        maxProperties: 512,
      }),
    ),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604800 })),
    labels: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9_./-]{0,61}[A-Za-z0-9])?$' }),
        Type.String({ maxLength: 256, pattern: '^[^\\u0000-\\u001f]*$' }),
        { maxProperties: 64 },
      ),
    ),
    idempotencyKey: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Same as the Idempotency-Key header' }),
    ),
    interactive: Type.Optional(
      Type.Boolean({
        description:
          "Keep the task's stdin open for POST /executions/{id}/stdin (once); refused (400) where the executor takes no input",
      }),
    ),
    workingDir: Type.Optional(
      Type.String({
        pattern: '^/[^\\u0000-\\u001f]*$',
        maxLength: 4096,
        description:
          'Absolute directory the command starts in; refused (400) where the executor cannot set one',
      }),
    ),
  },
  {
    title: 'RunRequest',
    additionalProperties: false,
    examples: [
      { command: ['echo', 'hello'], labels: { example: 'yes' } },
      { command: 'echo "$GREETING"', env: { GREETING: 'hi' } },
    ],
  },
);
export type RunBodyJson = Static<typeof RunBody>;

export const KillQuery = Type.Object(
  {
    signal: Type.Optional(
      Type.String({
        maxLength: 16,
        description:
          'First signal (SIGINT, INT, 2, ...; default SIGTERM); 400 where the executor cannot choose it',
      }),
    ),
    gracePeriodSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 3600,
        description: 'Seconds before SIGKILL (0: at once); 400 where the executor cannot choose it',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RunResponse = Type.Object(
  {
    execution: Execution,
    requestId: Type.String(),
    reused: Type.Boolean({
      description: 'True when the idempotency key was seen before: nothing was started',
    }),
  },
  { title: 'RunResponse', additionalProperties: false },
);

export const ExecutionPage = Type.Object(
  { executions: Type.Array(Execution), nextCursor: nullable(Type.String()) },
  { title: 'ExecutionPage', additionalProperties: false },
);

export const ListExecutionsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    status: Type.Optional(
      Type.String({
        description: 'Comma-separated statuses, e.g. RUNNING,FAILED',
        pattern: '^[A-Za-z]+(,[A-Za-z]+)*$',
        maxLength: 200,
      }),
    ),
    label: Type.Optional(
      Type.Union(
        [Type.String({ maxLength: 400 }), Type.Array(Type.String({ maxLength: 400 }), { maxItems: 16 })],
        {
          description: 'key=value; repeat for several (all must match)',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const KillResponse = Type.Object(
  {
    execution: Execution,
    requestId: Type.String(),
    alreadyFinished: Type.Boolean({ description: 'True when it had finished: nothing was done' }),
  },
  { title: 'KillResponse', additionalProperties: false },
);

export const WaitQuery = Type.Object(
  {
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 600, default: 30, description: 'How long to wait at most' }),
    ),
  },
  { additionalProperties: false },
);
export const WaitResponse = Type.Object(
  { execution: Execution, done: Type.Boolean({ description: 'True when the execution is final' }) },
  { title: 'WaitResponse', additionalProperties: false },
);

export const LogsQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        pattern: '^\\d{1,16}\\.[A-Za-z0-9_:/+=-]{1,128}$',
        description: 'Cursor of the last event seen (its `cursor`); the page starts after it',
      }),
    ),
    since: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 9007199254740991,
        description: 'Only events at or after this Unix ms',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
  },
  { additionalProperties: false },
);
export const LogsPage = Type.Object(
  {
    executionId: Type.String(),
    status: ExecutionStatusSchema,
    events: Type.Array(LogEvent),
    nextCursor: nullable(Type.String(), 'Present when more events may follow: pass it as `after`'),
  },
  { title: 'LogsPage', additionalProperties: false },
);

const RoleName = NoNul({ minLength: 1, maxLength: 256 });
export const ImageConfigBody = Type.Object(
  {
    image: NoNul({ minLength: 1, maxLength: 1024 }),
    isDefault: Type.Optional(Type.Boolean()),
    resources: Type.Optional(
      Type.Object(
        {
          cpu: Type.Optional(Type.Integer({ minimum: 1, maximum: 1048576 })),
          memory: Type.Optional(Type.Integer({ minimum: 1, maximum: 16777216 })),
        },
        { additionalProperties: false },
      ),
    ),
    runtime: Type.Optional(
      Type.Object(
        {
          platform: Type.Optional(NoNul({ maxLength: 64 })),
          architecture: Type.Optional(NoNul({ maxLength: 64, description: 'Deprecated: use platform' })),
        },
        { additionalProperties: false },
      ),
    ),
    permissions: Type.Optional(
      Type.Object(
        { taskRole: Type.Optional(RoleName), executionRole: Type.Optional(RoleName) },
        { additionalProperties: false },
      ),
    ),
    registeredBy: Type.Optional(
      Type.String({ maxLength: 256, description: 'Ignored: the caller is recorded as registeredBy' }),
    ),
  },
  {
    title: 'ImageConfig',
    additionalProperties: false,
    description: 'The provider-neutral image configuration; registeredBy is the caller',
  },
);
export type ImageConfigBodyJson = Static<typeof ImageConfigBody>;

export const LegacyImageBody = Type.Object(
  {
    image: NoNul({ minLength: 1, maxLength: 1024 }),
    is_default: Type.Optional(Type.Boolean()),
    task_role_name: Type.Optional(RoleName),
    task_execution_role_name: Type.Optional(RoleName),
    cpu: Type.Optional(Type.Integer({ minimum: 1, maximum: 1048576 })),
    memory: Type.Optional(Type.Integer({ minimum: 1, maximum: 16777216 })),
    runtime_platform: Type.Optional(NoNul({ maxLength: 64 })),
  },
  {
    title: 'LegacyRegisterImageRequest',
    additionalProperties: false,
    description: 'The original positional register-image body; converted with fromLegacyParams',
  },
);
export type LegacyImageBodyJson = Static<typeof LegacyImageBody>;

export const RegisterImageBody = Type.Union([ImageConfigBody, LegacyImageBody], {
  description: 'An ImageConfig, or the legacy body (snake_case keys)',
});

export const ImageList = Type.Object(
  { images: Type.Array(Image) },
  { title: 'ImageList', additionalProperties: false },
);
export const DefaultImage = Type.Object(
  { image: nullable(Image, 'null when no default is set') },
  { title: 'DefaultImage', additionalProperties: false },
);
export const SetDefaultBody = Type.Object(
  { ref: NoNul({ minLength: 1, maxLength: 1024, description: 'ImageID or name' }) },
  { additionalProperties: false },
);
export const ImageRefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 1024 }) });
export const ExecutionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });

export const Trace = Type.Object(
  { requestId: Type.String(), logs: Type.Array(LogEvent), executions: Type.Array(Execution) },
  { title: 'Trace', additionalProperties: false },
);
export const Reconcile = Type.Object(
  {
    requestId: Type.String(),
    checked: Type.Integer(),
    changed: Type.Array(
      Type.Object(
        { executionId: Type.String(), from: ExecutionStatusSchema, to: ExecutionStatusSchema },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'Reconcile', additionalProperties: false },
);

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
export const CreateUserBody = Type.Object(
  { email: Email, role: RoleSchema },
  { additionalProperties: false },
);
export const EmailParams = Type.Object({ email: Email });
export const KeyParams = Type.Object({ email: Email, keyId: Type.String({ minLength: 1, maxLength: 64 }) });
export const IssuedKey = Type.Object(
  {
    user: User,
    keyId: Type.String(),
    apiKey: Type.String({ description: 'The key itself: shown once, stored only as a hash' }),
  },
  { title: 'IssuedKey', additionalProperties: false },
);
export const UserList = Type.Object(
  { users: Type.Array(User) },
  { title: 'UserList', additionalProperties: false },
);
export const Me = Type.Object(
  {
    email: Type.String(),
    role: RoleSchema,
    keyId: Type.String(),
    permissions: Type.Array(Type.String(), { description: 'What this role may do' }),
  },
  { title: 'Me', additionalProperties: false },
);

export const Health = Type.Object(
  { status: Type.Literal('ok') },
  { title: 'Health', additionalProperties: false },
);
export const Readiness = Type.Object(
  {
    status: Type.Union([L('ready'), L('unready')], { description: 'ready when every check passed' }),
    checks: Type.Record(
      Type.String(),
      Type.Object(
        { ok: Type.Boolean(), provider: Type.String(), message: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'Readiness', additionalProperties: false },
);
