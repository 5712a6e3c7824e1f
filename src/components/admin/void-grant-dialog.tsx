"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "~/components/ui/dialog";
import { Button } from "~/components/ui/button";
import { FieldError, Label } from "~/components/ui/label";
import { Textarea } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import { grantCategoryLabel, type GrantRow } from "~/components/wallet/grants-table";
import { appErrorOf } from "~/lib/app-error";
import { voidConsequence, voidedToast } from "~/lib/admin-copy";
import { useTRPC } from "~/trpc/react";

/**
 * Whether the wallet offers Void on a grant: live (credits in it) or
 * scheduled. A used-up grant holds nothing to void, and a closed one is
 * closed for good.
 */
export function isVoidable(grant: Pick<GrantRow, "state">): boolean {
  return grant.state === "live" || grant.state === "scheduled";
}

/**
 * Voids a live or scheduled grant with a reason the user reads (SPEC §7):
 * what it holds leaves the account in one EXPIRE entry, once; credits it
 * gave to a running job expire when they come back.
 */
export function VoidGrantDialog({ grant }: { grant: GrantRow }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const voidGrant = useMutation(trpc.admin.voidGrant.mutationOptions());

  async function confirm(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const result = await voidGrant.mutateAsync({ grantId: grant.id, reason });
      toast.success(voidedToast(grant, result));
      setOpen(false);
      setReason("");
    } catch (caught) {
      const appError = appErrorOf(caught);
      setError(appError.fieldErrors?.reason?.[0] ?? appError.fieldErrors?.grantId?.[0] ?? (caught as Error).message);
    } finally {
      await queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
    }
  }

  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="outline" size="sm" aria-label={`Void the ${grantCategoryLabel(grant.category).toLowerCase()} grant: ${grant.reason}`}>
          Void
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form onSubmit={confirm} className="flex flex-col gap-4" noValidate>
          <AlertDialogHeader>
            <AlertDialogTitle>Void this grant?</AlertDialogTitle>
            <AlertDialogDescription>
              {voidConsequence(grant)} This cannot be undone, and is recorded in the audit trail.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={`void-reason-${grant.id}`}>Reason shown to the user</Label>
            <Textarea
              id={`void-reason-${grant.id}`}
              className="min-h-16"
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              aria-invalid={Boolean(error)}
              aria-describedby={error ? `void-error-${grant.id}` : undefined}
              required
            />
            <FieldError id={`void-error-${grant.id}`}>{error}</FieldError>
          </div>
          <AlertDialogFooter>
            <AlertDialogCancel type="button">Keep it</AlertDialogCancel>
            <Button type="submit" variant="destructive" disabled={voidGrant.isPending}>
              {voidGrant.isPending ? "Voiding…" : "Void the grant"}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
