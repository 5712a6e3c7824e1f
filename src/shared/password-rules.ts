/** The same bounds as better-auth's emailAndPassword config: forms check them first, the form routes again. */
export const passwordMinChars = 8;
export const passwordMaxChars = 128;
export const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The message for a new password that breaks the rules, or undefined. */
export function newPasswordError(password: string): string | undefined {
  if (password.length < passwordMinChars) return `Use at least ${passwordMinChars} characters.`;
  if (password.length > passwordMaxChars) return `Use at most ${passwordMaxChars} characters.`;
  return undefined;
}

const mismatch = "The passwords do not match.";

/**
 * What a form route's `?error=` says about a new password and its
 * confirmation (form-posts.ts), or null when it is about something else.
 */
export function newPasswordErrorsOfPost(problem: string | null): { password?: string; confirm?: string } | null {
  switch (problem) {
    case "password-short":
      return { password: `Use at least ${passwordMinChars} characters.` };
    case "password-long":
      return { password: `Use at most ${passwordMaxChars} characters.` };
    case "password-mismatch":
      return { confirm: mismatch };
    default:
      return null;
  }
}

/** A new password and its confirmation: the first problem of each field. */
export function newPasswordErrors(password: string, confirm: string): { password?: string; confirm?: string } {
  const password_ = newPasswordError(password);
  if (password_) return { password: password_ };
  if (password !== confirm) return { confirm: mismatch };
  return {};
}
