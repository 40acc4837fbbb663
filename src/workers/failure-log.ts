/**
 * For work that repeats on a timer (polling, heartbeats, sweeps): its failures are logged once, and
 * once more when it works again, instead of on every round while the database is away.
 */
export function failureLog(what: string) {
  let failing = false;
  return {
    failed(error: Error) {
      // Prisma's messages open with a code frame; the last line says what happened.
      if (!failing) console.error(`${what} failed (said once until it works again):`, error.message.trim().split('\n').at(-1));
      failing = true;
    },
    succeeded() {
      if (failing) console.error(`${what} works again`);
      failing = false;
    },
  };
}
