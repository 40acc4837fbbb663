import type { Writable } from 'node:stream';
import type pg from 'pg';

/**
 * Statements sent on `client` in one tick leave in one socket write. pg writes each statement as it
 * is queued; in pipeline mode a transaction queues several at once (BEGIN with its first reads, its
 * last writes with COMMIT), and each write is a system call that wakes the server's backend, which on
 * a machine with few cores competes with Node for them. Corking the socket until the tick ends sends
 * them together: the statements and their order are unchanged.
 */
export function tickWrites(client: pg.PoolClient): (query: string | pg.QueryConfig) => Promise<pg.QueryResult> {
  const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  let corked = false;
  return (query) => {
    if (stream && !corked) {
      corked = true;
      stream.cork();
      process.nextTick(() => {
        corked = false;
        stream.uncork();
      });
    }
    return client.query(query);
  };
}
