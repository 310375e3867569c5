import { ValidationError } from '../errors/taskport-error.js';
import type { TaskStartRequest } from '../ports/task-executor.js';
import type { NormalisedExecutionRequest } from './execution-request.js';
import { validateExecutionRequest } from './validate-execution-request.js';

/**
 * The checks every TaskExecutor makes at its edge, for callers that use an adapter without the Service:
 * the same rules as `validateExecutionRequest`, plus the user, the resolved image and the request id.
 * Errors are ValidationErrors that name the provider and operation; secret values never appear in them.
 * Adapters add only their platform's own limits (Fargate sizes, tag syntax, ...) on top.
 */
export function validateTaskStartRequest(
  userEmail: unknown,
  request: TaskStartRequest,
  at: { provider: string; operation: string },
): NormalisedExecutionRequest {
  const invalid = (field: string, message: string): never => {
    throw new ValidationError(message, { ...at, details: { field } });
  };
  if (typeof userEmail !== 'string' || userEmail.trim() === '') invalid('userEmail', 'userEmail is required');
  if (typeof request !== 'object' || request === null)
    invalid('request', 'the start request must be an object');
  const { image } = request;
  if (
    typeof image !== 'object' ||
    image === null ||
    typeof image.imageId !== 'string' ||
    typeof image.image !== 'string'
  ) {
    invalid('image', 'the request needs the resolved image (an ImageInfo from an ImageRegistry)');
  }
  if (typeof request.requestId !== 'string' || request.requestId === '')
    invalid('requestId', 'requestId is required');
  try {
    return validateExecutionRequest({
      command: request.command,
      env: request.env,
      secrets: request.secrets,
      labels: request.labels,
      ...(request.timeoutSeconds !== undefined ? { timeoutSeconds: request.timeoutSeconds } : {}),
      ...(request.idempotencyKey !== undefined ? { idempotencyKey: request.idempotencyKey } : {}),
      ...(request.workingDir !== undefined ? { workingDir: request.workingDir } : {}),
      ...(request.interactive !== undefined ? { interactive: request.interactive } : {}),
    });
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    throw new ValidationError(error.message, { ...at, ...(error.details ? { details: error.details } : {}) });
  }
}
