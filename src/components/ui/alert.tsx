import { cva, type VariantProps } from "class-variance-authority";
import type { ComponentProps } from "react";

import { cn } from "~/lib/utils";

// Text children may shrink and break anywhere: a long unbroken word (a
// prompt, a reason) wraps inside the alert instead of widening the page.
const alertVariants = cva("relative flex gap-3 break-words rounded-lg border p-4 text-sm [&>div]:min-w-0 [&>svg]:mt-0.5 [&>svg]:size-4 [&>svg]:shrink-0", {
  variants: {
    variant: {
      default: "bg-card text-card-foreground",
      info: "border-blue-600/30 bg-blue-50 text-blue-900 dark:bg-blue-950 dark:text-blue-200",
      warning: "border-amber-600/30 bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
      destructive: "border-red-600/30 bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200",
      success: "border-green-600/30 bg-green-50 text-green-900 dark:bg-green-950 dark:text-green-200",
    },
  },
  defaultVariants: { variant: "default" },
});

/** A notice inside the page; role="alert" for errors, "status" otherwise. */
export function Alert({ className, variant, role, ...props }: ComponentProps<"div"> & VariantProps<typeof alertVariants>) {
  return (
    <div
      role={role ?? (variant === "destructive" ? "alert" : "status")}
      className={cn(alertVariants({ variant }), className)}
      {...props}
    />
  );
}

export function AlertTitle({ className, ...props }: ComponentProps<"p">) {
  return <p className={cn("font-semibold leading-tight", className)} {...props} />;
}

export function AlertDescription({ className, ...props }: ComponentProps<"div">) {
  return <div className={cn("mt-1 leading-relaxed", className)} {...props} />;
}
