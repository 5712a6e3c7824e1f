"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { CheckIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { formatCents, formatCredits } from "~/lib/format";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";

/** The credit packs; choosing one opens a checkout and goes to its payment page. */
export function PackList({ returnTo }: { returnTo: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const packs = useQuery(trpc.checkout.packs.queryOptions());
  const [chosen, setChosen] = useState<string | null>(null);
  const open = useMutation(trpc.checkout.open.mutationOptions({
    onSuccess: (checkout) => {
      // A hosted provider (Stripe Checkout) takes the payment on its own page.
      if (checkout.redirectUrl) {
        window.location.assign(checkout.redirectUrl);
        return;
      }
      const query = returnTo ? `?next=${encodeURIComponent(returnTo)}` : "";
      router.push(`/buy/checkout/${checkout.id}${query}`);
    },
    onError: () => {
      setChosen(null);
      toast.error("Could not start the checkout. Try again.");
    },
  }));
  if (!packs.data) return <div className="grid gap-4 md:grid-cols-3">{[0, 1, 2].map((i) => <Skeleton key={i} className="h-64" />)}</div>;
  return (
    <div className="grid gap-4 md:grid-cols-3">
      {packs.data.packs.map((pack) => {
        const perHundred = (pack.priceCents / pack.credits) * 100;
        return (
          <Card key={pack.id} className={cn("flex flex-col", pack.highlight === "Most popular" && "border-primary ring-1 ring-primary")}>
            <CardHeader>
              <div className="flex items-center justify-between gap-2">
                <CardTitle>{pack.name}</CardTitle>
                {pack.highlight ? <Badge variant="default">{pack.highlight}</Badge> : null}
              </div>
              <CardDescription>{formatCents(perHundred)} per 100 credits</CardDescription>
            </CardHeader>
            <CardContent className="flex flex-1 flex-col gap-3">
              <p className="flex items-baseline gap-1">
                <span className="text-4xl font-semibold tabular-nums">{formatCredits(pack.credits)}</span>
                <span className="text-muted-foreground">credits</span>
              </p>
              <ul className="flex flex-col gap-1.5 text-sm text-muted-foreground">
                <li className="flex items-center gap-2"><CheckIcon className="size-4 text-success" aria-hidden /> About {Math.floor(pack.credits / 5)} images on Canvas</li>
                <li className="flex items-center gap-2"><CheckIcon className="size-4 text-success" aria-hidden /> Purchased credits never expire</li>
                <li className="flex items-center gap-2"><CheckIcon className="size-4 text-success" aria-hidden /> Undelivered outputs refunded</li>
              </ul>
            </CardContent>
            <CardFooter>
              <Button
                className="w-full"
                variant={pack.highlight === "Most popular" ? "default" : "outline"}
                disabled={open.isPending}
                onClick={() => { setChosen(pack.id); open.mutate({ packId: pack.id }); }}
                aria-label={`Buy ${pack.name}: ${pack.credits} credits for ${formatCents(pack.priceCents)}`}
              >
                {open.isPending && chosen === pack.id ? "Opening checkout…" : `Buy for ${formatCents(pack.priceCents)}`}
              </Button>
            </CardFooter>
          </Card>
        );
      })}
    </div>
  );
}
