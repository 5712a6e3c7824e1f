"use client";

import { CoinsIcon } from "lucide-react";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { formatCredits } from "~/lib/format";

/** INSUFFICIENT_CREDITS: how many credits are missing, and the way to get them. */
export function InsufficientCreditsDialog({
  requiredCredits,
  onClose,
}: {
  requiredCredits: number | null;
  onClose: () => void;
}) {
  return (
    <Dialog open={requiredCredits !== null} onOpenChange={(open) => (open ? null : onClose())}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>You need {formatCredits(requiredCredits ?? 0)} more {requiredCredits === 1 ? "credit" : "credits"}</DialogTitle>
          <DialogDescription>
            This generation costs more than your available balance. Buy a credit pack and come back: your prompt and
            settings are kept.
          </DialogDescription>
        </DialogHeader>
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>Back to the form</Button>
          <Button asChild>
            <Link href="/buy?next=/">
              <CoinsIcon aria-hidden /> Buy credits
            </Link>
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
