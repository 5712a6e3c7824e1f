import { appErrorCodes } from "~/server/errors";

/** The closed set of SPEC §4 codes a client may receive. */
export const appCodes: readonly string[] = appErrorCodes;
