"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { useQuery } from "@tanstack/react-query";
import { CheckIcon, ChevronsUpDownIcon, PlusIcon, SettingsIcon, UserIcon, UsersIcon } from "lucide-react";
import Link from "next/link";
import { useState } from "react";

import { CreateTeamDialog } from "~/components/workspaces/create-team-dialog";
import { useActiveWorkspace, useSwitchWorkspace, type ActiveWorkspaceView } from "~/components/workspaces/use-workspace";
import { retryOnlyReconnectable } from "~/lib/app-error";
import { roleLabel, workspaceName } from "~/lib/workspace-roles";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";

const itemClass = "flex cursor-pointer items-center gap-2 rounded-sm px-2 py-1.5 text-sm outline-none focus:bg-muted data-[disabled]:opacity-50";

/**
 * The header's workspace switcher (SPEC §9, decision 0012): a menu button
 * naming the workspace the session acts in and the viewer's role there;
 * the menu lists every workspace of the user (personal first), the active
 * one checked, and "Create a team". Choosing one switches the session,
 * never the URL.
 */
export function WorkspaceSwitcher({ initial }: { initial: ActiveWorkspaceView | null }) {
  const trpc = useTRPC();
  const active = useActiveWorkspace(initial);
  const [open, setOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  // Read when the menu is first opened, then kept fresh like any query.
  const mine = useQuery({ ...trpc.workspaces.listMine.queryOptions(), enabled: open || active.data?.kind === "TEAM", retry: retryOnlyReconnectable });
  const switchTo = useSwitchWorkspace();
  const current = active.data;
  const team = current?.kind === "TEAM";
  const label = current ? workspaceName(current) : "Workspace";
  const Icon = team ? UsersIcon : UserIcon;
  return (
    <>
      <DropdownMenu.Root open={open} onOpenChange={setOpen} modal={false}>
        <DropdownMenu.Trigger asChild>
          <button
            type="button"
            className="flex h-9 min-w-0 max-w-[16rem] items-center gap-2 rounded-md border bg-background px-2 text-left text-sm hover:bg-muted focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring md:max-w-[12rem] lg:max-w-[16rem]"
            aria-label={current ? `Workspace: ${label}${team ? `, ${roleLabel[current.role]}` : ""}. Switch workspace` : "Switch workspace"}
            data-testid="workspace-switcher"
          >
            <Icon aria-hidden className="size-4 shrink-0 text-muted-foreground" />
            <span className="flex min-w-0 flex-col leading-tight">
              <span className="truncate font-medium">{label}</span>
              {team && current ? <span className="truncate text-[11px] text-muted-foreground">{roleLabel[current.role]}</span> : null}
            </span>
            <ChevronsUpDownIcon aria-hidden className="ml-auto size-3.5 shrink-0 text-muted-foreground" />
          </button>
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content align="start" sideOffset={6} className="z-50 w-72 max-w-[calc(100vw-1rem)] rounded-md border bg-card p-1 text-card-foreground shadow-md">
            <DropdownMenu.Label className="px-2 py-1.5 text-xs font-medium text-muted-foreground">Workspaces</DropdownMenu.Label>
            {mine.data ? (
              <DropdownMenu.RadioGroup
                value={current?.id ?? ""}
                onValueChange={(workspaceId) => {
                  if (workspaceId !== current?.id) switchTo.mutate({ workspaceId });
                }}
              >
                {mine.data.map((workspace) => (
                  <DropdownMenu.RadioItem key={workspace.id} value={workspace.id} className={cn(itemClass, "pl-8 relative")} disabled={switchTo.isPending}>
                    <DropdownMenu.ItemIndicator className="absolute left-2 flex items-center">
                      <CheckIcon aria-hidden className="size-4" />
                    </DropdownMenu.ItemIndicator>
                    <span className="flex min-w-0 flex-col leading-tight">
                      <span className="truncate">{workspaceName(workspace)}</span>
                      <span className="text-xs text-muted-foreground">{workspace.kind === "PERSONAL" ? "Just you" : roleLabel[workspace.role]}</span>
                    </span>
                  </DropdownMenu.RadioItem>
                ))}
              </DropdownMenu.RadioGroup>
            ) : (
              <p className="px-2 py-1.5 text-sm text-muted-foreground" role="status">Loading…</p>
            )}
            <DropdownMenu.Separator className="my-1 h-px bg-border" />
            {team ? (
              <DropdownMenu.Item asChild className={itemClass}>
                <Link href="/settings/team"><SettingsIcon aria-hidden className="size-4" /> Team settings</Link>
              </DropdownMenu.Item>
            ) : null}
            <DropdownMenu.Item className={itemClass} onSelect={() => setCreating(true)}>
              <PlusIcon aria-hidden className="size-4" /> Create a team
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
      <CreateTeamDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}
