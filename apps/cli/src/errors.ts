/** An error meant for the user: printed as one line, no stack, with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The error behind this one (printed with SYNAPTOGEN_DEBUG=1). */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CliError';
  }
}
