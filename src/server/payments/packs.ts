/** A credit pack users can buy; the price is in cents of `currency`. */
export type CreditPack = {
  id: string;
  name: string;
  credits: number;
  priceCents: number;
  currency: "USD";
  highlight?: string;
};

/**
 * The packs on sale. A checkout copies the credits and price of its pack
 * when it is opened, so a later price change never alters an open checkout.
 */
export const creditPacks: readonly CreditPack[] = [
  { id: "starter", name: "Starter", credits: 100, priceCents: 500, currency: "USD" },
  { id: "creator", name: "Creator", credits: 500, priceCents: 2000, currency: "USD", highlight: "Most popular" },
  { id: "studio", name: "Studio", credits: 2000, priceCents: 6000, currency: "USD", highlight: "Best value" },
] as const;

export function findPack(packId: string): CreditPack | undefined {
  return creditPacks.find((pack) => pack.id === packId);
}
