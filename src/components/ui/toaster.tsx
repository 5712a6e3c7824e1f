"use client";

import { useTheme } from "next-themes";
import { Toaster as Sonner, toast } from "sonner";

/** Toasts for outcomes (sonner), themed with the app; mount once in the layout. */
export function Toaster() {
  const { resolvedTheme } = useTheme();
  return (
    <Sonner
      theme={resolvedTheme === "dark" ? "dark" : "light"}
      position="bottom-right"
      closeButton
      // Neutral surfaces (not sonner's rich colours, whose green and red text
      // fall below WCAG AA contrast); the icon carries the outcome's colour.
      toastOptions={{
        classNames: {
          toast: "font-sans !bg-card !text-card-foreground !border-border",
          description: "!text-muted-foreground",
          success: "[&_[data-icon]]:text-success",
          error: "[&_[data-icon]]:text-destructive",
        },
      }}
    />
  );
}

export { toast };
