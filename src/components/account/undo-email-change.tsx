"use client";

import { useMutation } from "@tanstack/react-query";
import { AlertTriangleIcon, CheckCircle2Icon, UndoIcon } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";

import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";
import { emailChangeUndoTtlHours } from "~/shared/schemas/account";
import { useTRPC } from "~/trpc/react";

export type UndoPreviewView =
  | { state: "ready"; oldEmail: string; newEmail: string; changedAt: string; expiresAt: string }
  | { state: "invalid" | "expired" | "used" };

type Outcome = "restored" | "invalid" | "expired" | "used" | "taken";

/** What the page says when the link cannot (or can no longer) restore the address. */
const refusals: Record<Exclude<Outcome, "restored">, { title: string; text: string }> = {
  invalid: { title: "This link is not valid", text: "Use the link from the mail exactly as it came." },
  expired: { title: "This link has expired", text: `Undo links work for ${emailChangeUndoTtlHours} hours. Write to support to get your address back.` },
  used: { title: "This link was already used", text: "Each undo link works once. Sign in with the address it restored." },
  taken: { title: "This address now belongs to another account", text: "It cannot be restored. Write to support to recover your account." },
};

function Panel({ icon, title, children }: { icon: ReactNode; title: string; children: ReactNode }) {
  return (
    <Card className="mx-auto w-full max-w-md">
      <CardContent className="flex flex-col items-center gap-3 py-10 text-center">
        {icon}
        <h1 className="text-xl font-semibold">{title}</h1>
        {children}
      </CardContent>
    </Card>
  );
}

const warning = <AlertTriangleIcon className="size-8 text-destructive" aria-hidden />;

/**
 * The undo link's page: what changed, and a button that restores the old
 * address (and signs every device out). Then: choose a new password, since
 * whoever changed the address may know the current one.
 */
export function UndoEmailChange({ token, preview }: { token: string | null; preview: UndoPreviewView }) {
  const trpc = useTRPC();
  const undo = useMutation(trpc.account.undoEmailChange.mutationOptions());
  if (undo.data?.status === "restored") {
    return (
      <Panel icon={<CheckCircle2Icon className="size-8 text-success" aria-hidden />} title="Your email address is restored">
        <p className="text-sm text-muted-foreground">
          <strong className="break-all font-medium text-foreground">{undo.data.email}</strong> is your account&apos;s address again, and every device
          signed in to it was signed out. If you did not change it yourself, someone else may know your password: choose a new one now.
        </p>
        <Button asChild><Link href="/forgot-password">Choose a new password</Link></Button>
      </Panel>
    );
  }
  const refused = undo.data?.status ?? (preview.state === "ready" ? null : preview.state);
  if (refused || !token || preview.state !== "ready") {
    const { title, text } = refusals[refused ?? "invalid"];
    return (
      <Panel icon={warning} title={title}>
        <p className="text-sm text-muted-foreground">{text}</p>
        <Button asChild variant="outline"><Link href="/sign-in">Sign in</Link></Button>
      </Panel>
    );
  }
  return (
    <Panel icon={<UndoIcon className="size-8 text-muted-foreground" aria-hidden />} title="Undo the change of your email address?">
      <p className="text-sm text-muted-foreground">
        On {preview.changedAt} the address of your Creditworks account was changed from{" "}
        <strong className="break-all font-medium text-foreground">{preview.oldEmail}</strong> to{" "}
        <strong className="break-all font-medium text-foreground">{preview.newEmail}</strong>. Undoing it gives the account its old address back
        and signs every device out of it. This link works until {preview.expiresAt}.
      </p>
      {undo.error ? <p role="alert" className="text-sm text-destructive">Could not restore the address. Try again.</p> : null}
      <Button disabled={undo.isPending} onClick={() => undo.mutate({ token })}>
        {undo.isPending ? "Restoring…" : `Restore ${preview.oldEmail}`}
      </Button>
    </Panel>
  );
}
