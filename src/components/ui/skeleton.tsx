import type { ComponentProps } from "react";

import { cn } from "~/lib/utils";

/** A placeholder with the size of the content that is loading (no layout shift). */
export function Skeleton({ className, ...props }: ComponentProps<"div">) {
  return <div aria-hidden className={cn("animate-pulse rounded-md bg-muted", className)} {...props} />;
}
