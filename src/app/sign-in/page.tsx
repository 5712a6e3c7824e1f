import type { Metadata } from "next";
import Link from "next/link";

import { AuthForm } from "~/components/auth/auth-form";

export const metadata: Metadata = { title: "Sign in" };

export default function SignInPage() {
  return (
    <div className="flex flex-col gap-4 py-6 sm:py-12">
      <AuthForm mode="sign-in" />
      <p className="text-center text-sm text-muted-foreground">
        Forgot your password? <Link href="/forgot-password" className="font-medium text-primary underline-offset-4 hover:underline">Reset it</Link>
      </p>
    </div>
  );
}
