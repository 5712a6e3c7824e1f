"use client";

import { useEffect, useState } from "react";

const tickMs = 250;

/** Whole seconds left until `untilMs` (epoch ms), updated live; 0 when none. */
export function useCountdown(untilMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (untilMs === null) return;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the clock is read again when a countdown starts
    setNow(Date.now());
    const timer = setInterval(() => {
      const current = Date.now();
      setNow(current);
      if (current >= untilMs) clearInterval(timer);
    }, tickMs);
    return () => clearInterval(timer);
  }, [untilMs]);
  return untilMs === null ? 0 : Math.max(0, Math.ceil((untilMs - now) / 1000));
}
