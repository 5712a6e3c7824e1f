import type { Metadata } from "next";

import { AuthForm } from "~/components/auth/auth-form";

export const metadata: Metadata = { title: "Sign in" };

export default function SignInPage() {
  return <div className="py-6 sm:py-12"><AuthForm mode="sign-in" /></div>;
}
