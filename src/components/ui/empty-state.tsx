import type { ReactNode } from "react";

import { cn } from "~/lib/utils";

/**
 * What a list shows when it has nothing yet, with the action that fills it.
 * `headingLevel` 1 when it is the whole page (404, 403, a missing job), so
 * the page still has its h1.
 */
export function EmptyState({
  icon,
  title,
  description,
  action,
  className,
  headingLevel = 2,
}: {
  icon?: ReactNode;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
  headingLevel?: 1 | 2;
}) {
  const Heading = headingLevel === 1 ? "h1" : "h2";
  return (
    <div className={cn("flex flex-col items-center justify-center gap-3 rounded-xl border border-dashed px-6 py-12 text-center", className)}>
      {icon ? <div className="rounded-full bg-muted p-3 text-muted-foreground [&_svg]:size-6">{icon}</div> : null}
      <Heading className={headingLevel === 1 ? "text-xl font-semibold" : "text-base font-semibold"}>{title}</Heading>
      {description ? <p className="max-w-sm text-sm text-muted-foreground">{description}</p> : null}
      {action}
    </div>
  );
}
