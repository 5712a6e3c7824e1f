import { formatCredits, formatDateTime, pluralCredits } from "~/lib/format";

/**
 * The words of the admin's credit tools, in one place so that they can be
 * checked without a browser: toasts after a grant, a deduction or a void,
 * and the audit trail's before/after states.
 */

/** "Granted 1 credit — balance now 91", "Deducted 5 credits — …", or a scheduled grant's date. */
export function adjustedToast(input: {
  direction: "grant" | "deduct";
  credits: number;
  balanceAfter: number | null;
  effectiveAt: Date;
  replayed: boolean;
}): string {
  const verb = input.direction === "grant" ? "Granted" : "Deducted";
  const message = input.balanceAfter !== null
    ? `${verb} ${pluralCredits(input.credits)} — balance now ${formatCredits(input.balanceAfter)}`
    : `${pluralCredits(input.credits)} scheduled from ${formatDateTime(input.effectiveAt)}`;
  return input.replayed ? `${message} (already applied)` : message;
}

/**
 * After voiding a grant: what left the balance. A scheduled grant had
 * nothing in it yet (its credits are simply never added), so it says that,
 * not "0 credits expired".
 */
export function voidedToast(grant: { state: string; amount: number }, result: { voided: number; replayed: boolean }): string {
  if (result.replayed) return "This grant was already voided.";
  if (grant.state === "scheduled") return `Scheduled grant voided; its ${pluralCredits(grant.amount)} will never be added.`;
  if (result.voided === 0) return "Grant voided; it held no credits.";
  return `Grant voided; ${pluralCredits(result.voided)} expired.`;
}

/** The void dialog's account of what voiding does to this grant. */
export function voidConsequence(grant: { state: string; amount: number; remaining: number; effectiveAt: Date }): string {
  if (grant.state === "scheduled") {
    return `Its ${pluralCredits(grant.amount)}, due ${formatDateTime(grant.effectiveAt)}, will never be added to the account.`;
  }
  return `The ${pluralCredits(grant.remaining)} it still holds (of ${formatCredits(grant.amount)}) leave the account now, in one entry the user sees with your reason. Credits it gave to a job still running expire when they come back.`;
}

/**
 * An audit row's state before or after, one `name: value` line per field
 * (the internal note is shown under the reason instead). Read as lines, not
 * as one JSON string that a narrow column breaks at every character.
 */
export function auditStateLines(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== "object" || Array.isArray(value)) return [JSON.stringify(value)];
  const { internalNote: _note, ...state } = value as Record<string, unknown>;
  return Object.entries(state).map(([name, item]) => `${name}: ${typeof item === "string" ? item : JSON.stringify(item)}`);
}

/** One workspace_change row as `admin.workspace` returns it: what happened, who did it, to whom. */
export type WorkspaceChangeRow = {
  action: string;
  actorUserId: string;
  actorEmail: string | null;
  subjectUserId: string | null;
  subjectEmail: string | null;
  before: unknown;
  after: unknown;
};

const roleWords: Record<string, string> = { OWNER: "owner", ADMIN: "admin", MEMBER: "member" };

/** A field of a change's before or after snapshot, when it is a string. */
function fieldOf(value: unknown, name: string): string | null {
  const field = value && typeof value === "object" ? (value as Record<string, unknown>)[name] : undefined;
  return typeof field === "string" ? field : null;
}

function roleOf(value: unknown): string {
  const role = fieldOf(value, "role");
  return role ? (roleWords[role] ?? role.toLowerCase()) : "?";
}

/**
 * A team's audit entry as a sentence after who did it (SPEC §9): "changed
 * ann@…'s role from member to admin", "removed bob@… (was member)",
 * "invited cy@… as admin". An action this page does not know yet reads as
 * its name and its snapshots, so a new kind of change is never hidden.
 */
export function workspaceChangeSentence(row: WorkspaceChangeRow): string {
  const subject = row.subjectEmail ?? row.subjectUserId ?? "someone";
  const self = row.subjectUserId !== null && row.subjectUserId === row.actorUserId;
  switch (row.action) {
    case "TEAM_CREATED":
      return `created the team “${fieldOf(row.after, "name") ?? ""}”`;
    case "RENAMED":
      return `renamed the team from “${fieldOf(row.before, "name") ?? "?"}” to “${fieldOf(row.after, "name") ?? "?"}”`;
    case "INVITED":
      return `invited ${fieldOf(row.after, "email") ?? "someone"} as ${roleOf(row.after)}`;
    case "INVITATION_REVOKED":
      return `revoked the invitation of ${fieldOf(row.before, "email") ?? "someone"} (as ${roleOf(row.before)})`;
    case "MEMBER_JOINED":
      return self ? `joined as ${roleOf(row.after)}` : `added ${subject} as ${roleOf(row.after)}`;
    case "ROLE_CHANGED":
      return `changed ${self ? "their own" : `${subject}'s`} role from ${roleOf(row.before)} to ${roleOf(row.after)}`;
    case "MEMBER_REMOVED":
      return `removed ${subject} (was ${roleOf(row.before)})`;
    case "MEMBER_LEFT":
      return fieldOf(row.after, "reason") === "ACCOUNT_DELETED"
        ? `left the team when their account was deleted (was ${roleOf(row.before)})`
        : `left the team (was ${roleOf(row.before)})`;
    case "TEAM_DELETED": {
      const balance = row.before && typeof row.before === "object" ? (row.before as Record<string, unknown>).balance : undefined;
      const left = typeof balance === "number" ? ` (${balance} ${balance === 1 ? "credit" : "credits"} left on its books)` : "";
      return `deleted the team “${fieldOf(row.before, "name") ?? ""}”${left}`;
    }
    case "SETTINGS_CHANGED": {
      const seeStatement = row.after && typeof row.after === "object" ? (row.after as Record<string, unknown>).membersSeeStatement : undefined;
      if (typeof seeStatement === "boolean") return seeStatement ? "let members read the team's statement" : "stopped members reading the team's statement";
      return `changed the settings: ${auditStateLines(row.after).join(", ") || "—"}`;
    }
    default: {
      const states = [auditStateLines(row.before).join(", "), auditStateLines(row.after).join(", ")].filter(Boolean).join(" → ");
      return `${row.action.toLowerCase().replaceAll("_", " ")}${row.subjectUserId ? ` (${subject})` : ""}${states ? `: ${states}` : ""}`;
    }
  }
}
