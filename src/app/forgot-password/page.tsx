import type { Metadata } from "next";

import { ForgotPasswordForm } from "~/components/account/forgot-password-form";

export const metadata: Metadata = { title: "Reset your password" };

export default function ForgotPasswordPage() {
  return <div className="py-6 sm:py-12"><ForgotPasswordForm /></div>;
}
