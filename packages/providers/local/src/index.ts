export { LocalTaskExecutor } from './local-task-executor.js';
