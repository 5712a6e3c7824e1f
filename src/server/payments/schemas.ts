import { z } from "zod";

/** Input schemas of the checkout procedures and the webhook route. */
export const checkoutId = z.uuid({ message: "Not a checkout id." });

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
