"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useRouter } from "next/navigation";

import { toast } from "~/components/ui/toaster";
import { appErrorOf, retryOnlyReconnectable } from "~/lib/app-error";
import { useCurrentPath } from "~/lib/navigation";
import type { AppRouter } from "~/server/trpc/root";
import { useTRPC } from "~/trpc/react";

export type ActiveWorkspaceView = inferRouterOutputs<AppRouter>["workspaces"]["activeView"];
export type WorkspaceSummary = inferRouterOutputs<AppRouter>["workspaces"]["listMine"][number];

/** How long the active workspace is taken as known: it changes only by a switch, which refetches it. */
const activeStaleMs = 60_000;

/**
 * The workspace this session acts in (name, kind, the viewer's role), as
 * the server resolved it. `initial`: what the page was rendered with.
 * `signedIn: false` (the header of a signed-out visitor) asks nothing: there
 * is no workspace to ask about, and the answer would be a 401.
 */
export function useActiveWorkspace(initial?: ActiveWorkspaceView | null, { signedIn = true }: { signedIn?: boolean } = {}) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.workspaces.activeView.queryOptions(),
    enabled: signedIn,
    staleTime: activeStaleMs,
    retry: retryOnlyReconnectable,
    ...(initial ? { initialData: initial } : {}),
  });
}

/** Pages about one thing of a workspace (a job, a receipt): another workspace has no such thing. */
const perWorkspaceDetail = /^\/(jobs|receipts|buy\/checkout)\/./;

/**
 * Switches the session's workspace (never the URL: SPEC §9), then makes
 * every piece of the page read again: every query is invalidated (the
 * balance, jobs, statement) and the server components re-render. A page
 * about one job or receipt goes back to its list's start, Generate.
 */
export function useSwitchWorkspace() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = useCurrentPath();
  return useMutation(trpc.workspaces.switchTo.mutationOptions({
    onSuccess: async (workspace) => {
      if (perWorkspaceDetail.test(pathname)) router.push("/");
      router.refresh();
      await queryClient.invalidateQueries();
      toast.success(workspace.kind === "PERSONAL" ? "Now in your personal account" : `Now in ${workspace.name}`);
    },
    onError: (error) => {
      toast.error(appErrorOf(error).appCode === "NOT_FOUND" ? "You are no longer a member of that team." : "Could not switch. Try again.");
      void queryClient.invalidateQueries({ queryKey: trpc.workspaces.listMine.queryKey() });
    },
  }));
}
