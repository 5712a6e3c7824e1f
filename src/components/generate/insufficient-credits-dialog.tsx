"use client";

import { CoinsIcon } from "lucide-react";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { useActiveWorkspace } from "~/components/workspaces/use-workspace";
import { formatCredits } from "~/lib/format";

/**
 * INSUFFICIENT_CREDITS: how many credits are missing, and the way to get
 * them; the buy page brings the user back to `returnTo` (the form by default).
 * In a team only owners buy (SPEC §9): admins and members are told whom to ask.
 */
export function InsufficientCreditsDialog({
  requiredCredits,
  onClose,
  returnTo = "/",
  backLabel = "Back to the form",
}: {
  requiredCredits: number | null;
  onClose: () => void;
  returnTo?: string;
  backLabel?: string;
}) {
  const workspace = useActiveWorkspace().data;
  const mayBuy = !workspace || workspace.role === "OWNER";
  return (
    <Dialog open={requiredCredits !== null} onOpenChange={(open) => (open ? null : onClose())}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>You need {formatCredits(requiredCredits ?? 0)} more {requiredCredits === 1 ? "credit" : "credits"}</DialogTitle>
          <DialogDescription>
            {mayBuy
              ? "This generation costs more than your available balance. Buy a credit pack and come back: your prompt and settings are kept."
              : `This generation costs more than ${workspace.name} has. Ask an owner of ${workspace.name} to buy credits; your prompt and settings are kept.`}
          </DialogDescription>
        </DialogHeader>
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>{backLabel}</Button>
          {mayBuy ? (
            <Button asChild>
              <Link href={`/buy?next=${encodeURIComponent(returnTo)}`}>
                <CoinsIcon aria-hidden /> Buy credits
              </Link>
            </Button>
          ) : null}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
