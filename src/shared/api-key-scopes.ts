/** What an API key may do (SPEC §8); every REST route needs one of them. Plain data: safe anywhere. */
export const apiKeyScopes = ["jobs:read", "jobs:write", "credits:read"] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];
export const apiKeyNameMaxChars = 64;
