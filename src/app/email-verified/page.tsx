import { AlertTriangleIcon, CheckCircle2Icon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";
import { accountPaths } from "~/shared/account-paths";

export const metadata: Metadata = { title: "Email verification" };

type Search = Promise<{ error?: string | string[]; change?: string | string[] }>;

/** Where a verification or email-change link lands (better-auth adds `?error=` when the link was bad or expired). */
export default async function EmailVerifiedPage({ searchParams }: { searchParams: Search }) {
  const { error, change } = await searchParams;
  const failed = error !== undefined;
  const title = failed ? "This link is invalid or has expired" : change ? "Your email address is changed" : "Your email is verified";
  const text = failed
    ? "Verification links work for 24 hours. Ask for a new one from your account settings."
    : change
      ? "Use the new address to sign in from now on."
      : "Thank you. Your account is all set.";
  return (
    <div className="py-6 sm:py-12">
      <Card className="mx-auto w-full max-w-sm">
        <CardContent className="flex flex-col items-center gap-3 py-10 text-center">
          {failed ? <AlertTriangleIcon className="size-8 text-destructive" aria-hidden /> : <CheckCircle2Icon className="size-8 text-success" aria-hidden />}
          <h1 className="text-xl font-semibold">{title}</h1>
          <p className="text-sm text-muted-foreground">{text}</p>
          <Button asChild><Link href={failed ? accountPaths.settings : "/"}>{failed ? "Account settings" : "Continue"}</Link></Button>
        </CardContent>
      </Card>
    </div>
  );
}
