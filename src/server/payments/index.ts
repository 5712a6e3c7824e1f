import { AppError } from "~/server/errors";
import type { PaymentProvider } from "~/server/payments/provider";
import { sandboxProvider } from "~/server/payments/sandbox";

const providers: Record<string, PaymentProvider> = { [sandboxProvider.id]: sandboxProvider };

/** The provider new checkouts use. A real one is registered here when it exists. */
export const defaultPaymentProvider: PaymentProvider = sandboxProvider;

/** The provider a checkout was opened with; unknown ids are refused. */
export function paymentProviderFor(id: string): PaymentProvider {
  const provider = providers[id];
  if (!provider) throw new AppError("VALIDATION_ERROR", "Unknown payment provider.");
  return provider;
}
