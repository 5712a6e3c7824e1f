/** Where better-auth's mailed links land in the app (shared by the mails and the pages). */
export const accountPaths = {
  /** After a verification link: "verified", or `?error=` when the link is bad or expired. */
  emailVerified: "/email-verified",
  /** After an email-change link (the new address confirmed). */
  emailChanged: "/email-verified?change=1",
  /** The link mailed to the OLD address after a change: `?token=` restores it. */
  undoEmailChange: "/email-change/undo",
  /** The new-password form: `?token=` from a reset link, or `?error=`. */
  resetPassword: "/reset-password",
  settings: "/settings/account",
  /** Where the browser lands after deleting its account. */
  deleted: "/account-deleted",
} as const;
