"use client";

import { useCallback, useState } from "react";
import { ChevronLeftIcon, ChevronRightIcon } from "lucide-react";

import { Button } from "~/components/ui/button";

/**
 * Previous / next for cursor-paginated lists (the server returns
 * `nextCursor`). The caller keeps the stack of cursors it has visited.
 */
export function Pagination({
  page,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  label = "Pagination",
}: {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  label?: string;
}) {
  return (
    <nav aria-label={label} className="flex items-center justify-between gap-2">
      <Button variant="outline" size="sm" onClick={onPrevious} disabled={!hasPrevious}>
        <ChevronLeftIcon aria-hidden /> Previous
      </Button>
      <span className="text-sm tabular-nums text-muted-foreground">Page {page}</span>
      <Button variant="outline" size="sm" onClick={onNext} disabled={!hasNext}>
        Next <ChevronRightIcon aria-hidden />
      </Button>
    </nav>
  );
}

/**
 * Cursor-stack state for Pagination: page 1 has no cursor; `next(c)` pushes
 * the server's `nextCursor`, `previous()` pops, `reset()` goes back to page 1
 * (call it when a filter changes).
 */
export function useCursorPages() {
  const [stack, setStack] = useState<string[]>([]);
  const next = useCallback((cursor: string | null | undefined) => {
    if (cursor) setStack((previous) => [...previous, cursor]);
  }, []);
  const previous = useCallback(() => setStack((previous) => previous.slice(0, -1)), []);
  const reset = useCallback(() => setStack([]), []);
  return { cursor: stack.at(-1), page: stack.length + 1, hasPrevious: stack.length > 0, next, previous, reset };
}
