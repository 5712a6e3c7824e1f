"use client";

import { useQuery } from "@tanstack/react-query";
import { CreditCardIcon, XIcon } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";

import { Button } from "~/components/ui/button";
import { useCurrentPath } from "~/lib/navigation";
import { useTRPC } from "~/trpc/react";
import { retryOnlyReconnectable } from "~/lib/app-error";

const billingPath = "/settings/billing";
const bannerPollMs = 30_000;
/** Dismissed for this browser tab, per reason: a new decline shows it again. */
const dismissedKey = "creditworks:auto-topup-banner-dismissed";

/**
 * The banner's words: that auto top-up is off, then the reason it was
 * turned off as the payment provider gave it ("Your card was declined.",
 * "The saved card was removed.", …), which says what happened to the card.
 */
export function AutoTopupOffText({ reason }: { reason: string }) {
  return (
    <p className="min-w-0 flex-1 break-words">
      <strong>Auto top-up is off.</strong> <span className="break-words">{reason}</span>
    </p>
  );
}

/**
 * Tells a signed-in user, under the header on every page, that auto top-up
 * was turned off by a declined card, until they fix it (saving the setting
 * again clears the reason). Dismissing hides it for this tab only.
 */
export function AutoTopupBanner() {
  const trpc = useTRPC();
  const pathname = useCurrentPath();
  const me = useQuery({ ...trpc.account.me.queryOptions(), staleTime: 30_000 });
  const billing = useQuery({
    ...trpc.billing.autoTopup.queryOptions(),
    enabled: !!me.data,
    retry: retryOnlyReconnectable,
    refetchInterval: bannerPollMs,
  });
  const [dismissed, setDismissed] = useState<string | null>(null);
  // eslint-disable-next-line react-hooks/set-state-in-effect -- sessionStorage exists only in the browser, after hydration
  useEffect(() => setDismissed(sessionStorage.getItem(dismissedKey)), []);
  const setting = billing.data?.setting;
  const reason = setting && !setting.enabled ? setting.disabledReason : null;
  if (!me.data || !reason || dismissed === reason) return null;
  return (
    <section
      aria-label="Auto top-up"
      role="status"
      className="border-b border-red-600/30 bg-red-50 text-red-900 print:hidden dark:bg-red-950 dark:text-red-200"
    >
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2 text-sm">
        <CreditCardIcon className="size-4 shrink-0" aria-hidden />
        <AutoTopupOffText reason={reason} />
        {pathname !== billingPath ? (
          <Button asChild variant="outline" size="sm"><Link href={billingPath}>Update your card</Link></Button>
        ) : null}
        <Button
          variant="ghost"
          size="sm"
          aria-label="Dismiss for now"
          onClick={() => {
            sessionStorage.setItem(dismissedKey, reason);
            setDismissed(reason);
          }}
        >
          <XIcon className="size-4" aria-hidden />
        </Button>
      </div>
    </section>
  );
}
