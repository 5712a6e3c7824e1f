"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LaptopIcon } from "lucide-react";

import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { authClient } from "~/lib/auth-client";
import { formatDateTime } from "~/lib/format";

export const sessionsQueryKey = ["auth", "sessions"] as const;

/** "Chrome on Linux"-style words from a user agent; the raw string when nothing is recognised. */
function deviceOf(userAgent: string | null | undefined): string {
  if (!userAgent) return "Unknown device";
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrom(e|ium)\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : null;
  const os = /Windows/.test(userAgent) ? "Windows" : /Android/.test(userAgent) ? "Android" : /iPhone|iPad/.test(userAgent) ? "iOS" : /Mac OS X/.test(userAgent) ? "macOS" : /Linux/.test(userAgent) ? "Linux" : null;
  return browser && os ? `${browser} on ${os}` : browser ?? os ?? userAgent.slice(0, 60);
}

/** The account's signed-in sessions (this one marked), and signing out of all the others. */
export function SessionsSection() {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: sessionsQueryKey,
    queryFn: async () => {
      const [list, current] = await Promise.all([authClient.listSessions(), authClient.getSession()]);
      if (list.error) throw new Error(list.error.message ?? "Could not list the sessions.");
      return { rows: (list.data ?? []), currentId: current.data?.session.id ?? null };
    },
  });
  const others = (sessions.data?.rows ?? []).filter((row) => row.id !== sessions.data?.currentId);
  const revoke = useMutation({
    mutationFn: async () => {
      const result = await authClient.revokeOtherSessions();
      if (result.error) throw new Error(result.error.message ?? "failed");
    },
    onSuccess: () => toast.success(`Signed out of ${others.length} other ${others.length === 1 ? "session" : "sessions"}`),
    onError: () => toast.error("Could not sign out the other sessions. Try again."),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsQueryKey }),
  });

  return (
    <Card aria-labelledby="sessions-title">
      <CardHeader>
        <CardTitle id="sessions-title">Sessions</CardTitle>
        <CardDescription>Where your account is signed in. Sign the others out if a device is lost or shared.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {!sessions.data ? (
          <Skeleton className="h-16" />
        ) : (
          <ul className="flex flex-col divide-y rounded-md border" aria-label="Signed-in sessions">
            {sessions.data.rows.map((row) => (
              <li key={row.id} className="flex items-center gap-3 p-3 text-sm" data-testid="session-row">
                <LaptopIcon className="size-4 shrink-0 text-muted-foreground" aria-hidden />
                <div className="min-w-0 flex-1">
                  <p className="font-medium">
                    {deviceOf(row.userAgent)}
                    {row.id === sessions.data.currentId ? <Badge variant="success" className="ml-2">This device</Badge> : null}
                  </p>
                  <p className="text-xs text-muted-foreground">
                    Signed in {formatDateTime(row.createdAt)} · last active {formatDateTime(row.updatedAt)}{row.ipAddress ? ` · ${row.ipAddress}` : ""}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        )}
        <Button variant="outline" className="self-start" disabled={others.length === 0 || revoke.isPending} onClick={() => revoke.mutate()}>
          Sign out of other sessions{others.length > 0 ? ` (${others.length})` : ""}
        </Button>
      </CardContent>
    </Card>
  );
}
