"use client";

import { cn } from "~/lib/utils";

/**
 * A row of toggle buttons (one pressed) for filters that change a list in
 * place — unlike Tabs, it needs no tab panels, so its ARIA stays valid.
 */
export function Segmented<T extends string>({
  value,
  options,
  onChange,
  label,
}: {
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  label: string;
}) {
  return (
    <div role="group" aria-label={label} className="inline-flex w-fit max-w-full self-start gap-1 overflow-x-auto rounded-lg bg-muted p-1">
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          aria-pressed={option.value === value}
          onClick={() => onChange(option.value)}
          className={cn(
            "h-7 whitespace-nowrap rounded-md px-2.5 text-sm sm:px-3 font-medium text-muted-foreground transition-colors",
            "focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
            "aria-pressed:bg-card aria-pressed:text-foreground aria-pressed:shadow-sm",
          )}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}
