"use client";

import { CopyIcon } from "lucide-react";

import { Alert, AlertDescription } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";

/**
 * An endpoint's signing secret, shown once (after creation or rotation):
 * the server never returns it again, so the dialog says so and offers a copy.
 */
export function SecretDialog({ secret, title, onClose }: { secret: string | null; title: string; onClose: () => void }) {
  async function copy() {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret);
      toast.success("Secret copied to the clipboard");
    } catch {
      toast.error("Could not copy: select the secret and copy it by hand.");
    }
  }
  return (
    <Dialog open={secret !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>Verify each delivery&apos;s signature with this secret (Standard Webhooks).</DialogDescription>
        </DialogHeader>
        <Alert variant="warning">
          <AlertDescription className="mt-0">This is the only time the secret is shown. Store it now.</AlertDescription>
        </Alert>
        <label htmlFor="webhook-secret" className="text-sm font-medium">Signing secret</label>
        <textarea
          id="webhook-secret"
          readOnly
          rows={2}
          value={secret ?? ""}
          onFocus={(event) => event.currentTarget.select()}
          className="w-full resize-none break-all rounded-md border bg-muted px-3 py-2 font-mono text-xs"
        />
        <DialogFooter>
          <Button variant="outline" onClick={() => void copy()}><CopyIcon aria-hidden /> Copy secret</Button>
          <Button onClick={onClose}>I have stored it</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
