import { pluralCredits } from "~/lib/format";

export type SettledJobFacts = {
  status: string;
  outputsRequested: number;
  outputsDone: number;
  pricePerOutput: number;
  totalCost: number;
  refundedAmount: number;
};

const outputs = (count: number) => `${count} output${count === 1 ? "" : "s"}`;

/**
 * What a settled job's money says, in words (SPEC §2, fair settlement): the
 * outputs the user received are paid for, the others come back — "Cancelled
 * — 1 output refunded, 3 delivered and paid" — unless an admin refunded the
 * whole cost as goodwill.
 */
export function settlementSummary(job: SettledJobFacts): string {
  const undelivered = job.outputsRequested - job.outputsDone;
  const goodwill = job.refundedAmount === job.totalCost && job.outputsDone > 0;
  if (goodwill) return `${pluralCredits(job.refundedAmount)} refunded: the whole cost, as goodwill (${outputs(job.outputsDone)} kept)`;
  if (undelivered === 0) return `all ${outputs(job.outputsDone)} delivered and paid`;
  const refund = `${outputs(undelivered)} refunded (${pluralCredits(job.refundedAmount)})`;
  return job.outputsDone === 0 ? `${refund}, nothing delivered` : `${refund}, ${job.outputsDone} delivered and paid`;
}

/**
 * The cancel dialog's promise about the outputs not delivered yet: "the
 * output not delivered yet (5 credits) comes back to your balance", "the 3
 * outputs … come back …".
 */
export function cancelRefundPromise(outputsLeft: number, pricePerOutput: number): string {
  const credits = pluralCredits(outputsLeft * pricePerOutput);
  return outputsLeft === 1
    ? `the output not delivered yet (${credits}) comes back to your balance.`
    : `the ${outputsLeft} outputs not delivered yet (${credits}) come back to your balance.`;
}

/** The title of a settled job's outcome: "Cancelled", "Failed", "Partly delivered". */
export function settlementTitle(status: string): string {
  return status === "COMPLETED" ? "Partly delivered" : status === "CANCELLED" ? "Cancelled" : "Failed";
}
