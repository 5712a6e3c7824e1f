import type { Metadata } from "next";

import { AuthForm } from "~/components/auth/auth-form";

export const metadata: Metadata = { title: "Sign up" };

export default function SignUpPage() {
  return <div className="py-6 sm:py-12"><AuthForm mode="sign-up" /></div>;
}
