import { z } from "zod";

/**
 * In the browser, zod parses without its JIT. The page's CSP forbids
 * `eval`, and zod probes for it with `new Function("")`: the probe is caught,
 * but the browser still reports a CSP violation. Forms parse little, so the
 * interpreted path costs nothing noticeable; servers keep the JIT.
 */
if (typeof window !== "undefined") z.config({ jitless: true });
