import type { Metadata } from "next";

import { SignOut } from "~/components/auth/sign-out";

export const metadata: Metadata = { title: "Sign out" };

export default function SignOutPage() {
  return <div className="py-6 sm:py-12"><SignOut /></div>;
}
