"use client";

import type { ComponentProps } from "react";

import { hydratedAttribute, inertUntilHydratedAttribute } from "~/lib/inert-until-hydrated";
import { useHydrated } from "~/lib/use-hydrated";

type Props = Omit<ComponentProps<"form">, "action" | "method"> & {
  /** The route that answers the form posted without JavaScript (`formPostPaths`). */
  action: string;
};

/**
 * A form that carries a password. It posts (never GET, which would put the
 * password in the URL) to `action`, where a route answers a browser without
 * JavaScript; with JavaScript the page's `onSubmit` handles it, and until
 * the page is hydrated the form is inert (src/lib/inert-until-hydrated.ts).
 * `noValidate` holds once hydrated: the script's own messages replace the
 * browser's, which guard the form without JavaScript.
 */
export function SecretForm({ action, noValidate, ...props }: Props) {
  const hydrated = useHydrated();
  const marks = { [inertUntilHydratedAttribute]: "", [hydratedAttribute]: hydrated ? "true" : undefined };
  return <form {...props} {...marks} method="post" action={action} noValidate={hydrated && noValidate} />;
}
