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

/** A new password and its confirmation: the first problem of each field. */
export function newPasswordErrors(password: string, confirm: string): { password?: string; confirm?: string } {
  const password_ = newPasswordError(password);
  if (password_) return { password: password_ };
  if (password !== confirm) return { confirm: "The passwords do not match." };
  return {};
}
