import { invalid } from './grpc-errors.js';

// Resource patterns from the `google.api.resource` options of the Cloud Run v2 and Logging v2 protos.
const SEGMENT = '[^/]+';
const PARENT = new RegExp(`^projects/(${SEGMENT})/locations/(${SEGMENT})$`);
const JOB = new RegExp(`^projects/(${SEGMENT})/locations/(${SEGMENT})/jobs/(${SEGMENT})$`);
const EXECUTION = new RegExp(
  `^projects/(${SEGMENT})/locations/(${SEGMENT})/jobs/(${SEGMENT})/executions/(${SEGMENT})$`,
);
const OPERATION = new RegExp(`^projects/(${SEGMENT})/locations/(${SEGMENT})/operations/(${SEGMENT})$`);
const LOG_NAME = /^(projects|organizations|folders|billingAccounts)\/([^/]+)\/logs\/([^/]+)$/;
const LOG_RESOURCE =
  /^(projects|organizations|folders|billingAccounts)\/[^/]+(\/locations\/[^/]+\/buckets\/[^/]+\/views\/[^/]+)?$/;

/** Cloud Run job ids: lowercase letters, digits and hyphens, a letter first, no hyphen last, at most 63. */
export const JOB_ID = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export interface ParsedJobName {
  project: string;
  location: string;
  job: string;
}

export function parseParent(name: string, field = 'parent'): { project: string; location: string } {
  const match = PARENT.exec(name);
  if (!match) throw invalid(`${field} "${name}" must be projects/{project}/locations/{location}`);
  return { project: match[1]!, location: match[2]! };
}

export function parseJobName(name: string, field = 'name'): ParsedJobName {
  const match = JOB.exec(name);
  if (!match) throw invalid(`${field} "${name}" must be projects/{project}/locations/{location}/jobs/{job}`);
  if (!JOB_ID.test(match[3]!)) throw invalid(`job id "${match[3]}" is not a valid Cloud Run job name`);
  return { project: match[1]!, location: match[2]!, job: match[3]! };
}

export function parseExecutionName(name: string, field = 'name'): ParsedJobName & { execution: string } {
  const match = EXECUTION.exec(name);
  if (!match) {
    throw invalid(
      `${field} "${name}" must be projects/{project}/locations/{location}/jobs/{job}/executions/{execution}`,
    );
  }
  return { project: match[1]!, location: match[2]!, job: match[3]!, execution: match[4]! };
}

export function checkOperationName(name: string): void {
  if (!OPERATION.exec(name))
    throw invalid(`name "${name}" must be projects/{project}/locations/{location}/operations/{operation}`);
}

/** `projects/p/logs/run.googleapis.com%2Fstdout`: the log id is URL-encoded and at most 512 characters. */
export function checkLogName(name: string, field = 'log_name'): void {
  const match = LOG_NAME.exec(name);
  if (!match) throw invalid(`${field} "${name}" must be projects/{project}/logs/{log_id}`);
  const id = decodeURIComponent(match[3]!);
  if (id.length > 512 || !/^[\w./-]+$/.test(id)) {
    throw invalid(`${field}: log id "${id}" may hold letters, digits, _ - . / only (max 512), URL-encoded`);
  }
}

export function checkLogResourceName(name: string): void {
  if (!LOG_RESOURCE.test(name))
    throw invalid(`resource_names: "${name}" is not a project, folder, organization or view`);
}
