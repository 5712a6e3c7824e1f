"use client";

import { useQueryClient } from "@tanstack/react-query";
import { CheckCircle2Icon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";
import { authClient } from "~/lib/auth-client";

/** Ends the session on arrival and clears every cached query (no data of the last user stays). */
export function SignOut() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [done, setDone] = useState(false);
  useEffect(() => {
    let cancelled = false;
    void authClient.signOut().finally(() => {
      if (cancelled) return;
      queryClient.clear();
      setDone(true);
      router.refresh();
    });
    return () => { cancelled = true; };
  }, [queryClient, router]);
  return (
    <Card className="mx-auto w-full max-w-sm">
      <CardContent className="flex flex-col items-center gap-3 py-10 text-center">
        {done ? <CheckCircle2Icon className="size-8 text-success" aria-hidden /> : null}
        <h1 className="text-xl font-semibold" role="status">{done ? "You are signed out" : "Signing you out…"}</h1>
        <Button asChild disabled={!done}><Link href="/sign-in">Sign in again</Link></Button>
      </CardContent>
    </Card>
  );
}
