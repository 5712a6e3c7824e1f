import { z } from "zod";

/** Input schemas of the checkout and billing procedures and the webhook route. */
export const checkoutId = z.uuid({ message: "Not a checkout id." });
export const paymentMethodId = z.uuid({ message: "Not a saved card." });

export const cardInput = z.object({
  cardNumber: z.string().trim().min(1, "Enter a card number.").max(32),
  expiry: z.string().trim().min(1, "Enter the expiry date.").max(8),
  cvc: z.string().trim().min(1, "Enter the CVC.").max(4, "At most 4 digits."),
  name: z.string().trim().max(200).optional(),
});

/** A provider's confirmation that a checkout was paid (browser return or webhook body). */
export const confirmationInput = z.object({
  checkoutId,
  provider: z.string().min(1).max(32),
  token: z.string().min(1).max(200),
});

/** The auto top-up form; the domain checks the threshold against the pack. */
export const autoTopupInput = z.object({
  enabled: z.boolean(),
  thresholdCredits: z
    .number({ message: "Enter a number of credits." })
    .int("Enter a whole number of credits.")
    .min(1, "At least 1 credit.")
    .max(1_000_000, "At most 1,000,000 credits."),
  packId: z.string().min(1, "Pick a pack.").max(64),
  paymentMethodId: paymentMethodId.nullable(),
});
