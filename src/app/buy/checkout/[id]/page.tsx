import type { Metadata } from "next";

import { CheckoutForm } from "~/components/buy/checkout-form";
import { PageHeader } from "~/components/page-header";
import { requireUser } from "~/trpc/require-user";
import { safeReturnPath } from "~/shared/sign-in-path";
import { withReconnecting } from "~/trpc/reconnecting";

export const metadata: Metadata = { title: "Checkout" };

export default withReconnecting(async function CheckoutPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ next?: string }>;
}) {
  const [{ id }, { next }] = await Promise.all([params, searchParams]);
  const returnTo = next ? safeReturnPath(next) : null;
  await requireUser(`/buy/checkout/${id}`);
  return (
    <>
      <PageHeader title="Checkout" description="Secure sandbox checkout." />
      <CheckoutForm checkoutId={id} returnTo={returnTo} />
    </>
  );
});
