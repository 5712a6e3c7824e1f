import type { Metadata } from "next";

import { PackList } from "~/components/buy/pack-list";
import { PageHeader } from "~/components/page-header";
import { requireUser } from "~/lib/require-user";
import { safeReturnPath } from "~/lib/sign-in-path";

export const metadata: Metadata = { title: "Buy credits" };

export default async function BuyPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const returnTo = next ? safeReturnPath(next) : null;
  await requireUser(returnTo ? `/buy?next=${encodeURIComponent(returnTo)}` : "/buy");
  return (
    <>
      <PageHeader title="Buy credits" description="One-time packs. Credits never expire, and anything not delivered is refunded." />
      <PackList returnTo={returnTo} />
    </>
  );
}
