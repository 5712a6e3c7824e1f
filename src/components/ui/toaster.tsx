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
      richColors
      closeButton
      toastOptions={{ classNames: { toast: "font-sans" } }}
    />
  );
}

export { toast };
