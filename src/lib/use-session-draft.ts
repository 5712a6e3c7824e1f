"use client";

import { useCallback, useEffect, useRef, useState } from "react";

/**
 * State mirrored in sessionStorage, so a form survives a detour (buy
 * credits, sign in again) and a reload in the same tab. Restored after
 * mount to keep server and client renders identical.
 */
export function useSessionDraft<T>(storageKey: string, initial: T) {
  const [value, setValue] = useState<T>(initial);
  const [restored, setRestored] = useState(false);
  const forgotten = useRef(false);
  useEffect(() => {
    try {
      const saved = sessionStorage.getItem(storageKey);
      // eslint-disable-next-line react-hooks/set-state-in-effect -- sessionStorage exists only in the browser, after hydration
      if (saved) setValue({ ...initial, ...(JSON.parse(saved) as T) });
    } catch {
      // A corrupt or blocked storage only loses the draft.
    }
    setRestored(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- restore once per key
  }, [storageKey]);
  useEffect(() => {
    if (!restored || forgotten.current) return;
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(value));
    } catch {
      // Storage full or blocked: the draft is simply not kept.
    }
  }, [restored, storageKey, value]);
  /** Drops the saved draft but keeps what is on screen (the page is about to change). */
  const forget = useCallback(() => {
    forgotten.current = true;
    try {
      sessionStorage.removeItem(storageKey);
    } catch {
      // Nothing to clear.
    }
  }, [storageKey]);
  return { value, setValue, forget, restored };
}
