/** Options every port method accepts last: the counterpart of Go's ctx. */
export interface OperationOptions {
  /** Aborting cancels the call (and any retries or polling it is doing) with the signal's reason. */
  signal?: AbortSignal;
}
