"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { WifiOffIcon } from "lucide-react";
import { useRef, useState } from "react";

import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FieldError, Label } from "~/components/ui/label";
import { Input, Textarea } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { adjustedToast } from "~/lib/admin-copy";
import { formatCredits } from "~/lib/format";
import { type grantCategories } from "~/shared/schemas/admin";
import { useTRPC } from "~/trpc/react";

type Direction = "grant" | "deduct";
type Category = (typeof grantCategories)[number];
type Intent = { key: string; fingerprint: string };
type Problem = { kind: "network" } | { kind: "failed" } | null;

/**
 * Grant or deduct credits with a reason the user will read on their
 * statement, and an optional internal note that only admins see. One
 * idempotency key per intent: a retry of the same (direction, amount,
 * reason, note) — a double click, a dropped response — reuses it, so the
 * server applies it once; any change, or a success, starts a new intent. A
 * ref (not state, which lags a render) keeps same-tick clicks to one
 * request, and toasts carry the intent's key as id: one toast per intent.
 */
export function AdjustCreditsForm({ userId, balance }: { userId: string; balance: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [direction, setDirection] = useState<Direction>("grant");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [note, setNote] = useState("");
  const [category, setCategory] = useState<Category>("PROMOTIONAL");
  const [priority, setPriority] = useState("");
  const [effectiveOn, setEffectiveOn] = useState("");
  const [expiresOn, setExpiresOn] = useState("");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [problem, setProblem] = useState<Problem>(null);
  const intent = useRef<Intent | null>(null);
  const inFlight = useRef(false);
  const adjust = useMutation(trpc.admin.adjustCredits.mutationOptions());

  async function apply() {
    if (inFlight.current) return;
    const credits = Number(amount);
    if (!Number.isInteger(credits) || credits <= 0) {
      setErrors({ amount: ["Enter a whole number of credits above zero."] });
      return;
    }
    const signed = direction === "grant" ? credits : -credits;
    const terms = direction === "grant" ? grantTerms({ category, priority, effectiveOn, expiresOn }) : undefined;
    if (terms && "error" in terms) {
      setErrors(terms.error);
      return;
    }
    const fingerprint = JSON.stringify([userId, signed, reason.trim(), note.trim(), terms]);
    if (intent.current?.fingerprint !== fingerprint) intent.current = { key: crypto.randomUUID(), fingerprint };
    const key = intent.current.key;
    inFlight.current = true;
    setErrors({});
    setProblem(null);
    try {
      const result = await adjust.mutateAsync({ userId, amount: signed, reason, note, idempotencyKey: key, ...(terms ? { grant: terms } : {}) });
      intent.current = null;
      setAmount("");
      setReason("");
      setNote("");
      setPriority("");
      setEffectiveOn("");
      setExpiresOn("");
      const message = adjustedToast({
        direction,
        credits,
        balanceAfter: result.entry?.balanceAfter ?? null,
        effectiveAt: terms?.effectiveAt ?? new Date(),
        replayed: result.replayed,
      });
      toast.success(message, { id: key });
      await queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
    } catch (error) {
      const appError = appErrorOf(error);
      if (appError.appCode === "INSUFFICIENT_CREDITS") {
        intent.current = null;
        setErrors({ amount: [`The balance is ${formatCredits(balance)}: a deduction can never overdraw it.`] });
      } else if (appError.fieldErrors) {
        setErrors(appError.fieldErrors);
      } else {
        // No appCode: the answer never arrived (it may have been applied).
        setProblem(appError.appCode === undefined ? { kind: "network" } : { kind: "failed" });
      }
    } finally {
      inFlight.current = false;
    }
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>Adjust credits</CardTitle>
        <CardDescription>Applied once even if submitted twice; recorded in the ledger and the audit trail.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={(event) => { event.preventDefault(); void apply(); }} className="flex flex-col gap-4" noValidate>
          <fieldset className="flex gap-4">
            <legend className="sr-only">Direction</legend>
            {(["grant", "deduct"] as const).map((option) => (
              <label key={option} className="flex items-center gap-2 text-sm">
                <input type="radio" name="direction" value={option} checked={direction === option} onChange={() => setDirection(option)} />
                {option === "grant" ? "Grant" : "Deduct"}
              </label>
            ))}
          </fieldset>
          <InputField id="adjust-amount" label="Credits" error={errors.amount?.[0]} inputMode="numeric" value={amount} onChange={setAmount} />
          {direction === "grant" ? (
            <fieldset className="flex flex-col gap-3 rounded-md border p-3">
              <legend className="px-1 text-sm font-medium">Grant terms</legend>
              <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
                <div className="flex flex-col gap-1.5">
                  <Label htmlFor="grant-category">Category</Label>
                  <select
                    id="grant-category"
                    className="h-9 rounded-md border border-input bg-card px-3 text-sm"
                    value={category}
                    onChange={(event) => setCategory(event.target.value as Category)}
                  >
                    <option value="PROMOTIONAL">Promotional (spent first)</option>
                    <option value="PAID">Paid</option>
                  </select>
                </div>
                <InputField id="grant-priority" label="Priority (0–100, optional)" hint="Lower is spent first." error={errors.priority?.[0]}
                  inputMode="numeric" placeholder={category === "PAID" ? "50" : "10"} value={priority} onChange={setPriority} />
                <InputField id="grant-effective" label="Effective from (optional)" error={errors.effectiveAt?.[0]}
                  type="date" value={effectiveOn} onChange={setEffectiveOn} />
                <InputField id="grant-expires" label="Expires after (optional)" hint="Empty: never expires." error={errors.expiresAt?.[0]}
                  type="date" value={expiresOn} onChange={setExpiresOn} />
              </div>
            </fieldset>
          ) : null}
          <TextField id="adjust-reason" label="Reason shown to the user" hint="On the user's statement, next to the entry." value={reason} onChange={setReason} error={errors.reason?.[0]} required />
          <TextField id="adjust-note" label="Internal note (optional)" hint="For admins only: kept in the audit trail, never shown to the user." value={note} onChange={setNote} error={errors.note?.[0]} />
          {problem ? <ProblemNotice problem={problem} onRetry={() => void apply()} /> : null}
          <Button type="submit" variant={direction === "deduct" ? "destructive" : "default"} disabled={adjust.isPending}>
            {adjust.isPending ? "Applying…" : direction === "grant" ? "Grant credits" : "Deduct credits"}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}

/** A labelled one-line input with its hint, replaced by the error when there is one. */
function InputField({ id, label, hint, error, value, onChange, ...input }: {
  id: string; label: string; hint?: string; error?: string; value: string; onChange: (value: string) => void;
  type?: "date"; inputMode?: "numeric"; placeholder?: string;
}) {
  const described = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Input id={id} value={value} onChange={(event) => onChange(event.target.value)} aria-invalid={Boolean(error)} aria-describedby={described} {...input} />
      {error || !hint ? <FieldError id={`${id}-error`}>{error}</FieldError> : <p id={`${id}-hint`} className="text-xs text-muted-foreground">{hint}</p>}
    </div>
  );
}

function TextField({ id, label, hint, value, onChange, error, required }: {
  id: string; label: string; hint: string; value: string; onChange: (value: string) => void; error?: string; required?: boolean;
}) {
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Textarea
        id={id}
        className="min-h-16"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
        required={required}
      />
      {error ? <FieldError id={`${id}-error`}>{error}</FieldError> : <p id={`${id}-hint`} className="text-xs text-muted-foreground">{hint}</p>}
    </div>
  );
}

function ProblemNotice({ problem, onRetry }: { problem: NonNullable<Problem>; onRetry: () => void }) {
  const network = problem.kind === "network";
  return (
    <Alert variant="destructive">
      <WifiOffIcon aria-hidden />
      <div className="flex min-w-0 flex-1 flex-col gap-2">
        <div>
          <AlertTitle>{network ? "The connection dropped" : "The adjustment failed"}</AlertTitle>
          <AlertDescription>
            {network
              ? "It may have been applied. Retrying is safe: the same request can only apply once."
              : "The server could not apply it. Retrying is safe: the same request can only apply once."}
          </AlertDescription>
        </div>
        <Button type="button" variant="outline" size="sm" className="self-start" onClick={onRetry}>Retry</Button>
      </div>
    </Alert>
  );
}

type GrantTermsDraft = { category: Category; priority: string; effectiveOn: string; expiresOn: string };
type GrantTerms = { category: Category; priority?: number; effectiveAt?: Date; expiresAt?: Date };

/**
 * The form's grant terms as the procedure takes them: an effective date
 * starts at that day's local midnight (today: now), an expiry ends at the
 * end of its day. Refused here with the server's own messages, so the admin
 * sees them before a round trip; the server checks again.
 */
function grantTerms(draft: GrantTermsDraft): GrantTerms | { error: Record<string, string[]> } {
  const terms: GrantTerms = { category: draft.category };
  if (draft.priority.trim() !== "") {
    const priority = Number(draft.priority);
    if (!Number.isInteger(priority) || priority < 0 || priority > 100) return { error: { priority: ["From 0 to 100."] } };
    terms.priority = priority;
  }
  const now = new Date();
  if (draft.effectiveOn) {
    const effective = new Date(`${draft.effectiveOn}T00:00:00`);
    if (effective.getTime() > now.getTime()) terms.effectiveAt = effective;
  }
  if (draft.expiresOn) {
    const expires = new Date(`${draft.expiresOn}T23:59:59.999`);
    if (expires.getTime() <= Math.max(now.getTime(), terms.effectiveAt?.getTime() ?? 0)) {
      return { error: { expiresAt: ["Pick a date after the effective date, in the future."] } };
    }
    terms.expiresAt = expires;
  }
  return terms;
}
