import { CheckCircle2Icon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";

export const metadata: Metadata = { title: "Account deleted" };

/** Where the browser lands after `account.delete` (a full page load, signed out). */
export default function AccountDeletedPage() {
  return (
    <div className="py-6 sm:py-12">
      <Card className="mx-auto w-full max-w-sm">
        <CardContent className="flex flex-col items-center gap-3 py-10 text-center">
          <CheckCircle2Icon className="size-8 text-success" aria-hidden />
          <h1 className="text-xl font-semibold">Your account is deleted</h1>
          <p className="text-sm text-muted-foreground">
            Your name, email and password are gone and every session is signed out. Thank you for trying Creditworks.
          </p>
          <Button asChild><Link href="/">Home</Link></Button>
        </CardContent>
      </Card>
    </div>
  );
}
