/** Bad command-line usage: printed as one line, exit code 2, before anything is opened or run. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
