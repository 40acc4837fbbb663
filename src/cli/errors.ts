/**
 * A failure the CLI reports in one line (`baton: <message> (<hint>)`), with its exit code. A usage
 * mistake exits 2; anything else 1, unless the command says otherwise (a run's final status).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A mistake in the command line: exit 2, pointing at `baton --help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 'baton --help shows every command', 2);
  }
}

/** An error of the API's result unions as one line: what went wrong, and the particulars. */
export const problemOf = ({ message, detail }: { message: string; detail: string }) => (detail && detail !== message ? `${message}: ${detail}` : message);
