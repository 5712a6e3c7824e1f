"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";

import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FieldError, Label } from "~/components/ui/label";
import { Input, Textarea } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formatCredits } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

type Direction = "grant" | "deduct";

/**
 * Grant or deduct credits with a required reason. One idempotency key per
 * intent: a retry of the same (direction, amount, reason) — a double click,
 * a network error — reuses it, so the server applies it once; any change,
 * or a success, starts a new intent.
 */
export function AdjustCreditsForm({ userId, balance }: { userId: string; balance: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [direction, setDirection] = useState<Direction>("grant");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const intent = useRef<{ key: string; fingerprint: string } | null>(null);
  const adjust = useMutation(trpc.admin.adjustCredits.mutationOptions());

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const credits = Number(amount);
    if (!Number.isInteger(credits) || credits <= 0) {
      setErrors({ amount: ["Enter a whole number of credits above zero."] });
      return;
    }
    const signed = direction === "grant" ? credits : -credits;
    const fingerprint = JSON.stringify([userId, signed, reason.trim()]);
    if (intent.current?.fingerprint !== fingerprint) intent.current = { key: crypto.randomUUID(), fingerprint };
    setErrors({});
    try {
      const result = await adjust.mutateAsync({ userId, amount: signed, reason, idempotencyKey: intent.current.key });
      intent.current = null;
      setAmount("");
      setReason("");
      toast.success(
        `${direction === "grant" ? "Granted" : "Deducted"} ${formatCredits(credits)} credits — balance now ${formatCredits(result.entry.balanceAfter)}` +
          (result.replayed ? " (already applied)" : ""),
      );
      await queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
    } catch (error) {
      const appError = appErrorOf(error);
      if (appError.appCode === "INSUFFICIENT_CREDITS") {
        intent.current = null;
        setErrors({ amount: [`The balance is ${formatCredits(balance)}: a deduction can never overdraw it.`] });
      } else if (appError.fieldErrors) {
        setErrors(appError.fieldErrors);
      } else {
        toast.error((error as Error).message);
      }
    }
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>Adjust credits</CardTitle>
        <CardDescription>Applied once even if submitted twice; recorded in the ledger and the audit trail.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <fieldset className="flex gap-4">
            <legend className="sr-only">Direction</legend>
            {(["grant", "deduct"] as const).map((option) => (
              <label key={option} className="flex items-center gap-2 text-sm">
                <input type="radio" name="direction" value={option} checked={direction === option} onChange={() => setDirection(option)} />
                {option === "grant" ? "Grant" : "Deduct"}
              </label>
            ))}
          </fieldset>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="adjust-amount">Credits</Label>
            <Input
              id="adjust-amount"
              inputMode="numeric"
              value={amount}
              onChange={(event) => setAmount(event.target.value)}
              aria-invalid={Boolean(errors.amount)}
              aria-describedby={errors.amount ? "adjust-amount-error" : undefined}
            />
            <FieldError id="adjust-amount-error">{errors.amount?.[0]}</FieldError>
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="adjust-reason">Reason</Label>
            <Textarea
              id="adjust-reason"
              className="min-h-16"
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              aria-invalid={Boolean(errors.reason)}
              aria-describedby={errors.reason ? "adjust-reason-error" : undefined}
              required
            />
            <FieldError id="adjust-reason-error">{errors.reason?.[0]}</FieldError>
          </div>
          <Button type="submit" variant={direction === "deduct" ? "destructive" : "default"} disabled={adjust.isPending}>
            {adjust.isPending ? "Applying…" : direction === "grant" ? "Grant credits" : "Deduct credits"}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
