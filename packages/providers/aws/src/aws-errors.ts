import {
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  TaskportError,
  UnauthorizedError,
  UnavailableError,
} from '@taskport/core';
import { type ErrorClass, type RetryPolicy, withRetry } from '@taskport/provider-utils';

export const PROVIDER = 'aws';

/** The shape of an AWS SDK v3 service error (and of network errors, which lack most fields). */
interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
]);

// ECS reports throttles as InvalidParameterException / ClientException "Rate exceeded"; other services
// use similar words. A message match is only trusted for these phrases.
const THROTTLE_MESSAGE = /\b(rate exceeded|throttl\w*|too many requests|slow down|request limit exceeded)\b/i;

const SERVER_NAMES = new Set([
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerException',
  'ServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

function asSdkError(error: unknown): SdkErrorLike {
  return typeof error === 'object' && error !== null ? (error as SdkErrorLike) : {};
}

/** True for a throttling answer, recognised by error name, SDK flag, HTTP 429 or the message. */
export function isThrottle(error: unknown): boolean {
  const e = asSdkError(error);
  if (e.name && THROTTLE_NAMES.has(e.name)) return true;
  if (e.$retryable?.throttling) return true;
  if (e.$metadata?.httpStatusCode === 429) return true;
  return typeof e.message === 'string' && THROTTLE_MESSAGE.test(e.message);
}

// DynamoDB cancels a transaction that races another one on the same item (or is throttled) with these reasons.
const RETRYABLE_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** True for a server-side failure (5xx) or a broken connection: the same call may succeed later. */
export function isTransient(error: unknown): boolean {
  const e = asSdkError(error);
  const reasons = (error as { CancellationReasons?: { Code?: string }[] } | undefined)?.CancellationReasons;
  if (
    e.name === 'TransactionCanceledException' &&
    reasons?.some((r) => r.Code && RETRYABLE_CANCELLATIONS.has(r.Code))
  ) {
    return true;
  }
  if (e.name && SERVER_NAMES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (e.$fault === 'server') return true;
  if (e.name === 'TimeoutError' || (e.code && NETWORK_CODES.has(e.code))) return true;
  return false;
}

/** The AWS reading of an error for provider-utils' `withRetry`: throttle, transient (5xx, network) or permanent. */
export function classifyAwsError(error: unknown): ErrorClass {
  if (isThrottle(error)) return 'throttle';
  if (isTransient(error)) return 'transient';
  return 'permanent';
}

/** The AWS error name (`ResourceNotFoundException`, ...), or undefined. */
export function errorName(error: unknown): string | undefined {
  return asSdkError(error).name;
}

/**
 * Runs `call`, retrying throttles and transient failures with provider-utils' budgeted full-jitter backoff.
 * The caller translates the final error (see `translateAwsError`).
 */
export function withAwsRetry<T>(
  call: () => Promise<T>,
  options: { policy?: RetryPolicy | undefined; signal?: AbortSignal | undefined } = {},
): Promise<T> {
  return withRetry(call, { classify: classifyAwsError, policy: options.policy, signal: options.signal });
}

/**
 * Translates an AWS SDK error into a TaskportError at the adapter's edge, keeping it as `cause`.
 * `notFound` / `conflict` name the vendor errors that mean those outcomes for this operation.
 */
export function translateAwsError(
  error: unknown,
  operation: string,
  hints: {
    notFound?: readonly string[];
    conflict?: readonly string[];
    configuration?: readonly string[];
    what?: string;
  } = {},
): TaskportError {
  if (TaskportError.isInstance(error)) return error;
  const e = asSdkError(error);
  const name = e.name ?? 'Error';
  const detail = `${name}: ${e.message ?? String(error)}`;
  const options = { cause: error, provider: PROVIDER, operation };
  if (hints.notFound?.includes(name)) {
    return new NotFoundError(`${hints.what ?? 'the resource'} does not exist (${detail})`, options);
  }
  if (hints.configuration?.includes(name)) {
    return new ConfigurationError(
      `${hints.what ?? 'a configured resource'} does not exist; create it (see docs/providers/aws.md) or fix the option (${detail})`,
      options,
    );
  }
  if (hints.conflict?.includes(name)) {
    return new ConflictError(`${hints.what ?? 'the resource'} changed concurrently (${detail})`, options);
  }
  if (isThrottle(error)) {
    return new UnavailableError(
      `AWS is throttling the calls and retries ran out; try again later (${detail})`,
      options,
    );
  }
  if (isTransient(error)) {
    return new UnavailableError(
      `AWS did not answer successfully after retries; try again later (${detail})`,
      options,
    );
  }
  if (/^(AccessDenied|AccessDeniedException|UnauthorizedOperation|NotAuthorized)$/.test(name)) {
    return new ForbiddenError(
      `the credentials lack a permission this operation needs; see docs/providers/aws.md for the IAM policy (${detail})`,
      options,
    );
  }
  if (
    /^(UnrecognizedClientException|InvalidSignatureException|ExpiredToken|ExpiredTokenException|InvalidClientTokenId|MissingAuthenticationToken|CredentialsProviderError)$/.test(
      name,
    )
  ) {
    return new UnauthorizedError(
      `AWS rejected the credentials; check the AWS profile or keys in use (${detail})`,
      options,
    );
  }
  return new ProviderError(`AWS call failed (${detail})`, options);
}

/** Retries `call` and translates its final error: the usual way every adapter method talks to AWS. */
export async function awsCall<T>(
  operation: string,
  call: () => Promise<T>,
  options: {
    policy?: RetryPolicy | undefined;
    signal?: AbortSignal | undefined;
    notFound?: readonly string[];
    conflict?: readonly string[];
    configuration?: readonly string[];
    what?: string;
  } = {},
): Promise<T> {
  try {
    return await withAwsRetry(call, { policy: options.policy, signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw translateAwsError(error, operation, options);
  }
}
