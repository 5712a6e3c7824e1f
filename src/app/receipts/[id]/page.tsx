import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

import { PrintButton } from "~/components/receipts/print-button";
import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";
import { formatCredits, formatDateTime } from "~/lib/format";
import { requireUser } from "~/trpc/require-user";
import { checkoutId } from "~/shared/schemas/payments";
import { getServerCaller } from "~/trpc/server";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Receipt" };

function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
}

/** A printable receipt of one of the user's purchases; anyone else's (or no such) receipt is a 404. */
export default withReconnecting(async function ReceiptPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireUser(`/receipts/${id}`);
  if (!checkoutId.safeParse(id).success) notFound();
  const receipt = await (await getServerCaller()).checkout.receipt({ id }).catch((error: unknown) => {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const card = receipt.cardLast4 ? `${receipt.cardBrand ?? "Card"} ending in ${receipt.cardLast4}` : "Paid through Stripe Checkout";
  const rows: Array<[string, string]> = [
    ["Receipt number", receipt.number],
    ["Date paid", formatDateTime(receipt.paidAt)],
    ["Billed to", receipt.billedTo.email ? `${receipt.billedTo.name} <${receipt.billedTo.email}>` : receipt.billedTo.name],
    ...(receipt.boughtBy ? [["Bought by", `${receipt.boughtBy.name} <${receipt.boughtBy.email}>`] as [string, string]] : []),
    ["Pack", `${receipt.packName}${receipt.automatic ? " (auto top-up)" : ""}`],
    ["Credits", formatCredits(receipt.credits)],
    ["Payment method", card],
    ["Provider reference", receipt.providerReference ?? "—"],
  ];
  return (
    <article aria-labelledby="receipt-title" className="mx-auto flex max-w-2xl flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3 print:hidden">
        <Button asChild variant="ghost"><Link href="/statement">← Statement</Link></Button>
        <PrintButton />
      </div>
      <Card className="print:border-0 print:shadow-none">
        <CardContent className="flex flex-col gap-6 py-8">
          <div className="flex flex-wrap items-start justify-between gap-4">
            <div>
              <p className="text-sm font-semibold tracking-wide">Creditworks</p>
              <h1 id="receipt-title" className="text-2xl font-semibold">Receipt</h1>
            </div>
            <div className="text-right">
              <p className="text-sm text-muted-foreground">Amount paid</p>
              <p className="text-3xl font-semibold tabular-nums" data-testid="receipt-amount">{formatMoney(receipt.amountCents, receipt.currency)}</p>
            </div>
          </div>
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 border-t pt-6 text-sm sm:grid-cols-[12rem_minmax(0,1fr)]">
            {rows.map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-muted-foreground">{label}</dt>
                <dd className="break-all font-medium sm:break-normal sm:[overflow-wrap:anywhere]" data-testid={`receipt-${label.toLowerCase().replaceAll(" ", "-")}`}>{value}</dd>
              </div>
            ))}
          </dl>
          <div className="flex justify-between border-t pt-4 text-sm">
            <span className="font-medium">Total ({receipt.currency.toUpperCase()})</span>
            <span className="font-semibold tabular-nums">{formatMoney(receipt.amountCents, receipt.currency)}</span>
          </div>
          <p className="text-xs text-muted-foreground">
            Thank you. {formatCredits(receipt.credits)} credits were added to your balance when this payment was confirmed.
          </p>
        </CardContent>
      </Card>
    </article>
  );
});
