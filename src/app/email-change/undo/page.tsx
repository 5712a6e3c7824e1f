import type { Metadata } from "next";

import { UndoEmailChange } from "~/components/account/undo-email-change";
import { formatDateTime } from "~/lib/format";
import { emailChangeUndoInput } from "~/shared/schemas/account";
import { getServerCaller } from "~/trpc/server";

// The URL holds the undo token: never send it to another site as a referrer.
export const metadata: Metadata = { title: "Undo an email change", referrer: "no-referrer", robots: { index: false } };

type Search = Promise<{ token?: string | string[] }>;

/**
 * Where the link mailed to the OLD address after an email change lands. It
 * shows what the link would do and asks for a click: opening the link
 * changes nothing (mail scanners open links too).
 */
export default async function UndoEmailChangePage({ searchParams }: { searchParams: Search }) {
  const { token } = await searchParams;
  const input = emailChangeUndoInput.safeParse({ token });
  const preview = input.success ? await (await getServerCaller()).account.emailChangeUndo(input.data) : { state: "invalid" as const };
  return (
    <div className="py-6 sm:py-12">
      <UndoEmailChange
        token={input.success ? input.data.token : null}
        preview={preview.state === "ready" ? { ...preview, changedAt: formatDateTime(preview.changedAt), expiresAt: formatDateTime(preview.expiresAt) } : preview}
      />
    </div>
  );
}
