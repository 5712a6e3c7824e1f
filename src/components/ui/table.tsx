import type { ComponentProps } from "react";

import { cn } from "~/lib/utils";

/**
 * A data table that scrolls horizontally inside its own box on narrow
 * screens instead of widening the page. The box is a named, focusable
 * region, so keyboard users can scroll it too (axe:
 * scrollable-region-focusable); it takes the table's name.
 */
export function Table({ className, ...props }: ComponentProps<"table">) {
  return (
    <div
      role="region"
      aria-label={props["aria-label"] ?? (props["aria-labelledby"] ? undefined : "Table")}
      aria-labelledby={props["aria-labelledby"]}
      tabIndex={0}
      className="relative w-full min-w-0 overflow-x-auto rounded-md focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
    >
      <table className={cn("w-full caption-bottom text-sm", className)} {...props} />
    </div>
  );
}

export function TableHeader({ className, ...props }: ComponentProps<"thead">) {
  return <thead className={cn("[&_tr]:border-b", className)} {...props} />;
}

export function TableBody({ className, ...props }: ComponentProps<"tbody">) {
  return <tbody className={cn("[&_tr:last-child]:border-0", className)} {...props} />;
}

export function TableFooter({ className, ...props }: ComponentProps<"tfoot">) {
  return <tfoot className={cn("border-t bg-muted/50 font-medium", className)} {...props} />;
}

export function TableRow({ className, ...props }: ComponentProps<"tr">) {
  return <tr className={cn("border-b transition-colors hover:bg-muted/40", className)} {...props} />;
}

export function TableHead({ className, ...props }: ComponentProps<"th">) {
  return (
    <th
      scope="col"
      className={cn("h-10 whitespace-nowrap px-3 text-left align-middle text-xs font-medium uppercase tracking-wide text-muted-foreground", className)}
      {...props}
    />
  );
}

export function TableCell({ className, ...props }: ComponentProps<"td">) {
  return <td className={cn("px-3 py-2.5 align-middle", className)} {...props} />;
}

export function TableCaption({ className, ...props }: ComponentProps<"caption">) {
  return <caption className={cn("mt-3 text-sm text-muted-foreground", className)} {...props} />;
}

/** Placeholder rows, as tall as real ones, while a table's first page loads (no "empty" flash, no shift). */
export function TableSkeletonRows({ rows, columns }: { rows: number; columns: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, row) => (
        <TableRow key={row} data-testid="table-skeleton-row">
          {Array.from({ length: columns }, (_, column) => (
            <TableCell key={column}><div aria-hidden className="h-5 animate-pulse rounded bg-muted" /></TableCell>
          ))}
        </TableRow>
      ))}
    </>
  );
}
