"use client";

import { useQuery } from "@tanstack/react-query";
import { WalletIcon } from "lucide-react";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { GrantsList } from "~/components/wallet/grants-table";
import { formatCredits, formatExpiresIn } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

const walletPollMs = 5_000;

/**
 * The wallet (SPEC §7): every grant that holds credits, in the order they
 * are spent — promotional before paid, the soonest to expire first — with
 * what is left of each and when it expires; then the scheduled ones and the
 * last that expired or were voided.
 */
export function WalletSection() {
  const trpc = useTRPC();
  const wallet = useQuery({ ...trpc.credits.wallet.queryOptions(), refetchInterval: walletPollMs });
  if (!wallet.data) return <Skeleton className="h-40" />;
  const { grants, closed, expiringSoon } = wallet.data;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Wallet</CardTitle>
        <CardDescription>
          Your credits by where they came from, in the order they are spent: the first one below pays for your next
          generation. Refunds go back to the grant they came from.
          {expiringSoon ? (
            <strong className="mt-1 block font-medium text-amber-800 dark:text-amber-300" data-testid="wallet-expiring">
              {formatCredits(expiringSoon.credits)} credits expire {formatExpiresIn(expiringSoon.expiresAt)}.
            </strong>
          ) : null}
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <GrantsList
          grants={grants}
          empty={
            <div className="flex flex-col items-start gap-3 py-2 text-sm text-muted-foreground">
              <p className="flex items-center gap-2"><WalletIcon aria-hidden className="size-4" /> No credits yet.</p>
              <Button asChild size="sm"><Link href="/buy">Buy credits</Link></Button>
            </div>
          }
        />
        {closed.length > 0 ? (
          <details className="rounded-md border px-3 py-2">
            <summary className="cursor-pointer text-sm font-medium">Expired and voided ({closed.length})</summary>
            <GrantsList grants={closed} empty={null} label="Expired and voided grants" />
          </details>
        ) : null}
      </CardContent>
    </Card>
  );
}
