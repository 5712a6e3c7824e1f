import "server-only";

import type { Db } from "~/server/db";
import { money, jobsPerCallMax, type ClaimedJob, type DeliveringFinish, type DeliveringFinishOutcome } from "~/server/money";

/**
 * Calls of one kind that the runners of one worker pool make at about the
 * same time, sent together: what is submitted in one turn of the event loop
 * (graphile-worker starts the jobs of one fetch in the same turn) goes in
 * one call, and while `flightsMax` calls are out, what arrives waits for the
 * next one, so a busier pool sends fuller calls instead of more of them.
 * When a call of several fails (after the retries of the money door), each
 * of its items is sent again alone, at once: one item that makes a
 * statement fail cannot fail the others with it, and each gets the answer
 * or the error its own call would have had.
 */
export class Coalescer<In, Out> {
  private waiting: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private flights = 0;
  private scheduled = false;

  constructor(
    private readonly send: (items: In[]) => Promise<Out[]>,
    private readonly options: { itemsPerCallMax: number; flightsMax: number },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** A failed call's items, each sent again alone (see the class comment). */
  private async eachAlone(batch: typeof this.waiting, error: unknown): Promise<void> {
    if (batch.length === 1) return batch[0]!.reject(error);
    await Promise.all(batch.map((entry) => this.send([entry.item]).then((outs) => entry.resolve(outs[0]!), entry.reject)));
  }

  private pump(): void {
    while (this.flights < this.options.flightsMax && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.itemsPerCallMax);
      this.flights++;
      this.send(batch.map((entry) => entry.item))
        .then(
          (outs) => batch.forEach((entry, index) => entry.resolve(outs[index]!)),
          (error: unknown) => this.eachAlone(batch, error),
        )
        .finally(() => {
          this.flights--;
          this.pump();
        });
    }
  }
}

/** Calls out at once per kind: one being answered while the next fills. */
const flightsMax = 2;

/**
 * A worker pool's batched money calls: claims (`claimJobs`) and finishes
 * that deliver every remaining output (`finishJobs`), each batch one
 * statement for up to `jobsPerCallMax` jobs. A job's outcome is the one its
 * own call would have had: each is fenced by its own status and lease.
 */
export type WorkerBatches = {
  claim: (jobId: string) => Promise<ClaimedJob | null>;
  finishDelivering: (finish: DeliveringFinish) => Promise<DeliveringFinishOutcome>;
};

/** The batches of one worker id (a pool generation); its config is fixed for its life. */
export function workerBatches(db: Db, worker: { workerId: string; leaseMs: number; maxAttempts: number }): WorkerBatches {
  const claims = new Coalescer<string, ClaimedJob | null>(async (jobIds) => {
    const claimed = await money.claimJobs(db, { jobIds, workerId: worker.workerId, leaseMs: worker.leaseMs, maxAttempts: worker.maxAttempts });
    const byId = new Map(claimed.map((job) => [job.id, job]));
    // A job named twice (two queue rows of one job, fetched together) is
    // claimed once: only its first runner gets it, as separate claims would.
    return jobIds.map((id) => {
      const job = byId.get(id) ?? null;
      byId.delete(id);
      return job;
    });
  }, { itemsPerCallMax: jobsPerCallMax, flightsMax });
  const finishes = new Coalescer<DeliveringFinish, DeliveringFinishOutcome>(async (batch) => {
    const outcomes = await money.finishJobs(db, { workerId: worker.workerId, finishes: batch });
    return batch.map((finish) => outcomes.get(finish.jobId)!);
  }, { itemsPerCallMax: jobsPerCallMax, flightsMax });
  return { claim: (jobId) => claims.submit(jobId), finishDelivering: (finish) => finishes.submit(finish) };
}
