import type { Metadata } from "next";

import { ResetPasswordForm } from "~/components/account/reset-password-form";
import { formPostErrorOf } from "~/shared/form-posts";

// The URL holds a reset token: never send it to another site as a referrer.
export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

type Search = Promise<{ token?: string | string[]; error?: string | string[]; problem?: string | string[] }>;

export default async function ResetPasswordPage({ searchParams }: { searchParams: Search }) {
  const { token, error, problem } = await searchParams;
  return (
    <div className="py-6 sm:py-12">
      <ResetPasswordForm token={typeof token === "string" && token ? token : null} linkError={error !== undefined}
        problem={formPostErrorOf(typeof problem === "string" ? problem : null)} />
    </div>
  );
}
