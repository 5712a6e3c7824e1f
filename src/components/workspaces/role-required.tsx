import { ShieldAlertIcon } from "lucide-react";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";
import type { WorkspaceRole } from "~/lib/workspace-roles";

const whoMay: Record<WorkspaceRole, string> = {
  OWNER: "the team's owners",
  ADMIN: "the team's owners and admins",
  MEMBER: "the team's members",
};

const asRole: Record<WorkspaceRole, string> = { OWNER: "an owner", ADMIN: "an admin", MEMBER: "a member" };

/**
 * What a page of the active team says to a role that may not use it
 * (SPEC §9), in place of its content: who may, and what the viewer is.
 */
export function RoleRequired({ least, what, workspace }: {
  least: WorkspaceRole;
  /** "Buying credits", "API keys" … */
  what: string;
  workspace: { name: string; role: WorkspaceRole };
}) {
  return (
    <EmptyState
      icon={<ShieldAlertIcon />}
      title={`${what} is for ${whoMay[least]}`}
      description={<>You are {asRole[workspace.role]} of {workspace.name}. Ask one of {whoMay[least]}, or switch to your personal account in the header.</>}
      action={<Button asChild variant="outline"><Link href="/">Go to Generate</Link></Button>}
    />
  );
}
