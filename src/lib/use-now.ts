"use client";

import { useEffect, useState } from "react";

/** How often a ticking clock re-renders, in milliseconds. */
export const clockTickMs = 1_000;

/**
 * The current time (epoch ms), re-read every `tickMs` while `ticking` is
 * true; frozen otherwise, so a finished job's page stops re-rendering.
 */
export function useNow(ticking: boolean, tickMs: number = clockTickMs): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the clock is read again when ticking starts
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, [ticking, tickMs]);
  return now;
}
