import type { Metadata } from "next";
import Link from "next/link";

import { AuthPage } from "~/components/auth/auth-page";

export const metadata: Metadata = { title: "Sign in" };

export default function SignInPage() {
  return (
    <div className="flex flex-col gap-2 pb-6 sm:pb-12">
      <AuthPage mode="sign-in" />
      <p className="text-center text-sm text-muted-foreground">
        Forgot your password? <Link href="/forgot-password" className="font-medium text-primary underline-offset-4 hover:underline">Reset it</Link>
      </p>
    </div>
  );
}
