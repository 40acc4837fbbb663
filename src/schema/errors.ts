import { builder } from '../builder.ts';
import { BatonError, CompileError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { CompilerNoteRef } from './plan.ts';

const ErrorCode = builder.enumType('ErrorCode', {
  description: 'The kind of an expected failure (the same codes as `extensions.code` of top-level errors).',
  values: {
    NOT_FOUND: { description: 'No such object for this tenant.' },
    CONFLICT: { description: 'The object is not in a state that allows this.' },
    FORBIDDEN: { description: 'The object exists but may not be changed this way.' },
    BAD_REQUEST: { description: 'The request itself is wrong.' },
    COMPILE_ERROR: { description: 'The markdown does not compile.' },
  } as const,
});

/** Every expected failure a mutation can answer with: `... on Error { message code detail }`. */
const ErrorInterface = builder.interfaceRef<BatonError>('Error').implement({
  description: 'An expected failure: `code` is stable, `message` short, `detail` says exactly what went wrong.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCode, resolve: (error) => error.code as 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN' | 'BAD_REQUEST' | 'COMPILE_ERROR' }),
    detail: t.exposeString('detail'),
  }),
});

builder.objectType(NotFoundError, { name: 'NotFoundError', interfaces: [ErrorInterface], description: 'No such object for this tenant.' });
builder.objectType(ConflictError, { name: 'ConflictError', interfaces: [ErrorInterface], description: 'The object is not in a state that allows this.' });
builder.objectType(ForbiddenError, { name: 'ForbiddenError', interfaces: [ErrorInterface], description: 'The object exists but may not be changed this way (a system recipe).' });
builder.objectType(ValidationError, { name: 'ValidationError', interfaces: [ErrorInterface], description: 'The request itself is wrong: `detail` names every problem.' });
builder.objectType(CompileError, {
  name: 'CompileError',
  interfaces: [ErrorInterface],
  description: 'The markdown does not compile: `notes` point at each problem.',
  fields: (t) => ({
    notes: t.field({ type: [CompilerNoteRef], resolve: (error) => error.notes }),
  }),
});
