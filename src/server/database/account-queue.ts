/**
 * The money transactions of one account, one at a time within this process.
 *
 * Under SERIALIZABLE, two transactions of one account that overlap make one
 * of them fail (both read the balance, both write it); the user-row lock
 * would only turn that into a wait followed by a serialization failure.
 * Queuing them here, before a database transaction is opened, means that
 * within a process they never overlap: what is left to fail comes from
 * other processes or from unrelated rows that share index pages, and the
 * retry inside `withTransaction` absorbs it. The queue holds no state but
 * the tail of each busy account's chain, removed when the chain drains.
 */
const tails = new Map<string, Promise<void>>();

/** Runs `work` after every earlier call for `accountId` in this process has finished. */
export async function inAccountOrder<T>(accountId: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(accountId);
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous ? previous.then(() => mine) : mine;
  tails.set(accountId, tail);
  try {
    if (previous) await previous;
    return await work();
  } finally {
    release();
    if (tails.get(accountId) === tail) tails.delete(accountId);
  }
}
