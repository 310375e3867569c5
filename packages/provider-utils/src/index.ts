export { decodeCursor, encodeCursor } from './cursor.js';
export { closestMatch, didYouMean, editDistance } from './did-you-mean.js';
export { checkId, type IdRule, isSimpleToken } from './ids.js';
export { inputUntil } from './input-until.js';
export { loadOptionalSetting, loadSetting, type SettingSpec } from './load-setting.js';
export {
  booleanSetting,
  describedDefault,
  describedOption,
  integerSetting,
  listSetting,
  numberSetting,
  type OptionsObjectSchema,
  type ParseOptionsContext,
  parseProviderOptions,
  retryPolicySetting,
  schemaKeys,
  textSetting,
} from './option-schema.js';
export { collectAll, type Page, paginate } from './paginate.js';
export { type PollOptions, pollUntil } from './poll-until.js';
export { errorContext, errorsFor, operationName } from './provider-errors.js';
export { RateLimiter } from './rate-limiter.js';
export {
  classifyError,
  DEFAULT_RETRY_POLICY,
  type ErrorClass,
  type ErrorClassifier,
  type RetryOptions,
  type RetryPolicy,
  withRetry,
} from './retry.js';
export { sleep } from './sleep.js';
