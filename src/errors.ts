import { GraphQLError } from 'graphql';
import type { CompilerNote } from './compiler/notes.ts';

/**
 * Expected failures. Each carries a machine code (GraphQL `extensions.code`) and the HTTP status the
 * REST layer answers with; the message is the short `error`, `detail` says exactly what went wrong.
 */
export abstract class BatonError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }

  toGraphQL(): GraphQLError {
    return new GraphQLError(this.message, {
      extensions: { code: this.code, detail: this.detail, http: { status: this.status } },
    });
  }
}

export class UnauthenticatedError extends BatonError {
  readonly code = 'UNAUTHENTICATED';
  readonly status = 401;
  constructor(detail: string) {
    super('Unauthorized', detail);
  }
}

export class NotFoundError extends BatonError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
}

/** Also what another tenant's execution id answers: it is simply not there. */
export const executionNotFound = (executionId: string) => new NotFoundError('Execution not found', `No execution with ID ${executionId} exists for this tenant`);

export class ConflictError extends BatonError {
  readonly code = 'CONFLICT';
  readonly status = 409;
}

/** A dependency (the database) is unreachable for now: 503 with Retry-After, so clients retry. */
export class ServiceUnavailableError extends BatonError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly status = 503;
  /** Seconds: about how long a database restart or failover takes. */
  static readonly retryAfter = 5;
  constructor(detail = `The database is unreachable; retry in ${ServiceUnavailableError.retryAfter} s`) {
    super('Service unavailable', detail);
  }

  override toGraphQL(): GraphQLError {
    const headers = { 'retry-after': String(ServiceUnavailableError.retryAfter) };
    return new GraphQLError(this.message, { extensions: { code: this.code, detail: this.detail, http: { status: this.status, headers } } });
  }
}

export class ValidationError extends BatonError {
  readonly code = 'BAD_REQUEST';
  readonly status = 400;
}

/** Markdown that does not compile: the compiler's notes say where and why. */
export class CompileError extends BatonError {
  readonly code = 'COMPILE_ERROR';
  readonly status = 400;
  constructor(
    detail: string,
    readonly notes: CompilerNote[],
  ) {
    super('Compilation failed', detail);
  }
}

/** The object exists but may not be changed this way (a system recipe). */
export class ForbiddenError extends BatonError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
}
