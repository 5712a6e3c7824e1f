/**
 * What the new-endpoint form says is accepted, on the server it is served
 * by: a public deployment takes public HTTPS URLs only (the SSRF rule,
 * src/server/webhooks/address-guard.ts); a server with
 * WEBHOOKS_ALLOW_PRIVATE (tests, the zero-setup local run) takes http:// and
 * local addresses too, so that a receiver on the same machine works.
 */
export function endpointUrlRules(allowPrivate: boolean): { description: string; hint: string } {
  if (!allowPrivate) {
    return {
      description: "We POST signed JSON to this HTTPS URL when the events you pick happen.",
      hint: "Public HTTPS only: http:// URLs and private or local addresses are refused.",
    };
  }
  return {
    description: "We POST signed JSON to this URL when the events you pick happen.",
    hint: "This server also takes http:// and local addresses, such as http://localhost:4000/webhooks (WEBHOOKS_ALLOW_PRIVATE). A public deployment takes public HTTPS URLs only.",
  };
}
