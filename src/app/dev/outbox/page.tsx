import type { Metadata } from "next";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";

import { PageHeader } from "~/components/page-header";
import { Card, CardContent, CardHeader, CardTitle } from "~/components/ui/card";
import { env } from "~/env.js";
import { formatDateTime } from "~/lib/format";
import { mailDeliveryOf } from "~/server/mail/delivery";
import { readOutbox } from "~/server/mail/outbox";

export const metadata: Metadata = { title: "Mail outbox", referrer: "no-referrer", robots: { index: false } };
export const dynamic = "force-dynamic";

/** The text of a mail with its links clickable (nothing else is interpreted). */
function withLinks(text: string): ReactNode[] {
  return text.split(/(https?:\/\/[^\s<>"]+)/g).map((part, index) =>
    index % 2 === 1 ? <a key={index} href={part} className="break-all text-primary underline underline-offset-4">{part}</a> : part,
  );
}

/**
 * The mails the app wrote to its file outbox, newest first: how a local run
 * without SMTP signs up, verifies and resets passwords. 404 unless the file
 * outbox is in use and the server is not a production one: it shows every
 * account's links to anyone who asks.
 */
export default async function OutboxPage() {
  const delivery = mailDeliveryOf(env);
  if (delivery.kind !== "outbox" || !delivery.page) notFound();
  const mails = await readOutbox(delivery.dir);
  return (
    <>
      <PageHeader title="Mail outbox" description={<>Mails written to <code>{delivery.dir}</code> instead of being sent (no SMTP_URL). Local runs only.</>} />
      {mails.length === 0 ? (
        <p className="text-sm text-muted-foreground">No mail yet. Sign up or ask for a password reset, then reload.</p>
      ) : (
        <ol className="flex flex-col gap-4" aria-label="Mails, newest first">
          {mails.map((mail) => (
            <li key={mail.id}>
              <Card>
                <CardHeader>
                  <CardTitle as="h2">{mail.subject}</CardTitle>
                  <p className="text-xs text-muted-foreground">To {mail.to} · {formatDateTime(mail.date)} · <code>{mail.id}.eml</code></p>
                </CardHeader>
                <CardContent><pre className="whitespace-pre-wrap break-words font-sans text-sm">{withLinks(mail.text)}</pre></CardContent>
              </Card>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
