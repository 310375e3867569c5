import * as grpc from '@grpc/grpc-js';

/** A gRPC status error as a server handler returns it (the client sees `code` and `details`). */
export class FakeStatusError extends Error {
  readonly code: grpc.status;
  readonly details: string;
  constructor(code: grpc.status, details: string) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

export const invalid = (details: string) => new FakeStatusError(grpc.status.INVALID_ARGUMENT, details);
export const notFound = (details: string) => new FakeStatusError(grpc.status.NOT_FOUND, details);
export const alreadyExists = (details: string) => new FakeStatusError(grpc.status.ALREADY_EXISTS, details);
export const aborted = (details: string) => new FakeStatusError(grpc.status.ABORTED, details);
export const failedPrecondition = (details: string) =>
  new FakeStatusError(grpc.status.FAILED_PRECONDITION, details);

/** Required (proto `REQUIRED` field behaviour) string field: present and non-empty. */
export function required(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${field} is required`);
  return value;
}
