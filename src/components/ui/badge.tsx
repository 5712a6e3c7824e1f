import { cva, type VariantProps } from "class-variance-authority";
import type { ComponentProps } from "react";

import { cn } from "~/lib/utils";

export const badgeVariants = cva(
  "inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap",
  {
    variants: {
      variant: {
        default: "border-transparent bg-primary text-primary-foreground",
        secondary: "border-transparent bg-secondary text-secondary-foreground",
        outline: "text-foreground",
        success: "border-green-600/30 bg-green-50 text-green-800 dark:bg-green-950 dark:text-green-300",
        warning: "border-amber-600/30 bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-300",
        destructive: "border-red-600/30 bg-red-50 text-red-800 dark:bg-red-950 dark:text-red-300",
        info: "border-blue-600/30 bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-300",
      },
    },
    defaultVariants: { variant: "secondary" },
  },
);

export type BadgeProps = ComponentProps<"span"> & VariantProps<typeof badgeVariants>;

/** A small label for a status or a kind. */
export function Badge({ className, variant, ...props }: BadgeProps) {
  return <span className={cn(badgeVariants({ variant }), className)} {...props} />;
}
