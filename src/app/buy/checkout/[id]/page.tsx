import type { Metadata } from "next";

import { CheckoutForm } from "~/components/buy/checkout-form";
import { PageHeader } from "~/components/page-header";
import { requireUser } from "~/trpc/require-user";
import { exists, requireExisting, signedInForMetadata, type ServerCaller } from "~/trpc/server";
import { safeReturnPath } from "~/shared/sign-in-path";
import { withReconnecting } from "~/app/with-reconnecting";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ next?: string }> };

const getCheckout = (id: string) => (caller: ServerCaller) => caller.checkout.get({ id });

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const signedIn = await signedInForMetadata();
  return { title: signedIn && !(await exists(`checkout:${id}`, getCheckout(id))) ? "Checkout not found" : "Checkout" };
}

/** Paying one of the user's checkouts; an unknown id, or another user's checkout, is a 404. */
export default withReconnecting(async function CheckoutPage({ params, searchParams }: Props) {
  const [{ id }, { next }] = await Promise.all([params, searchParams]);
  const returnTo = next ? safeReturnPath(next) : null;
  await requireUser(`/buy/checkout/${id}`);
  await requireExisting(`checkout:${id}`, getCheckout(id));
  return (
    <>
      <PageHeader title="Checkout" description="Secure sandbox checkout." />
      <CheckoutForm checkoutId={id} returnTo={returnTo} />
    </>
  );
});
