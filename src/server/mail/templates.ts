import type { Mail } from "~/server/mail/send";

/** How long the links in these mails stay valid, in seconds (better-auth's token lifetimes). */
export const verificationLinkTtlSeconds = 60 * 60 * 24;
export const resetLinkTtlSeconds = 60 * 60;

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

type Parts = { to: string; subject: string; greeting: string; lines: string[]; action: string; url: string; footer: string };

/** One mail in both forms: the link stands alone on its own line in the text so every client makes it clickable. */
function compose({ to, subject, greeting, lines, action, url, footer }: Parts): Mail {
  const text = [greeting, "", ...lines, "", `${action}:`, url, "", footer, "", "— Creditworks"].join("\n");
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(url)}">${escapeHtml(action)}</a></p>`,
    `<p style="color:#666">${escapeHtml(footer)}</p>`,
    "<p>— Creditworks</p>",
  ].join("\n");
  return { to, subject, text, html };
}

const hours = (seconds: number) => `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;

export function verifyEmailMail(to: string, name: string, url: string): Mail {
  return compose({
    to,
    subject: "Verify your email address",
    greeting: `Hi ${name},`,
    lines: ["Welcome to Creditworks. Please confirm that this is your email address."],
    action: "Verify your email",
    url,
    footer: `The link works for ${hours(verificationLinkTtlSeconds)}. If you did not create an account, ignore this mail.`,
  });
}

export function changeEmailMail(to: string, name: string, url: string): Mail {
  return compose({
    to,
    subject: "Confirm your new email address",
    greeting: `Hi ${name},`,
    lines: ["You asked to use this address for your Creditworks account. It replaces the old one once you confirm."],
    action: "Confirm the new address",
    url,
    footer: `The link works for ${hours(verificationLinkTtlSeconds)}. If you did not ask for this, ignore this mail: nothing changes.`,
  });
}

/**
 * To the OLD address, once an email change is confirmed: what changed, and
 * the way back if it was not the account's owner who changed it.
 */
export function emailChangedMail(to: string, name: string, newEmail: string, undoUrl: string, undoHours: number): Mail {
  return compose({
    to,
    subject: "Your Creditworks email address was changed",
    greeting: `Hi ${name},`,
    lines: [
      `The email address of your Creditworks account was changed from ${to} to ${newEmail}. Sign-in help and receipts now go there.`,
      "If you made this change, there is nothing to do.",
      "If you did not, undo it: your account gets this address back and every device is signed out. Then choose a new password.",
    ],
    action: `Undo: make ${to} the account's address again`,
    url: undoUrl,
    footer: `The link works once, for ${undoHours} hours.`,
  });
}

export function resetPasswordMail(to: string, name: string, url: string): Mail {
  return compose({
    to,
    subject: "Reset your password",
    greeting: `Hi ${name},`,
    lines: ["Someone (we hope you) asked to reset the password of your Creditworks account."],
    action: "Choose a new password",
    url,
    footer: `The link works for ${hours(resetLinkTtlSeconds)} and once. If you did not ask for it, ignore this mail: your password stays as it is.`,
  });
}

/** An endpoint whose deliveries failed for a whole retry window was turned off (SPEC §8). */
export function webhookDisabledMail(to: string, name: string, endpointUrl: string, settingsUrl: string): Mail {
  return compose({
    to,
    subject: "A webhook endpoint was disabled",
    greeting: `Hi ${name},`,
    lines: [
      `Every delivery to ${endpointUrl} failed for the whole retry window, so we have disabled this endpoint.`,
      "Fix the receiver, enable the endpoint again, and resend the deliveries you missed from the delivery log.",
    ],
    action: "Open your webhook settings",
    url: settingsUrl,
    footer: "You receive this mail because you registered this endpoint.",
  });
}

/** What a budget threshold mail says: which budget, how much of it is spent, and when it starts over. */
export type BudgetThresholdFacts = {
  /** "Your monthly budget", "The budget of your API key “deploy-bot”". */
  budgetName: string;
  /** 80 or 100: the threshold that was crossed. */
  threshold: number;
  spentCredits: number;
  limitCredits: number;
  /** The calendar date (YYYY-MM-DD, in the budget's time zone) a new period starts; null: it never resets. */
  resetsOn: string | null;
};

/** A budget reached 80 % or 100 % of its limit in a period (SPEC §9); sent once per budget, period and threshold. */
export function budgetThresholdMail(to: string, name: string, facts: BudgetThresholdFacts, settingsUrl: string): Mail {
  const { budgetName, threshold, spentCredits, limitCredits, resetsOn } = facts;
  const reset = resetsOn === null ? "It does not reset." : `It resets on ${resetsOn}.`;
  const consequence =
    threshold >= 100
      ? "Jobs that would go over it are refused until it resets or you raise it."
      : "Jobs that would go over it will be refused; raise it now if you expect to need more.";
  return compose({
    to,
    subject: `${budgetName} is ${threshold} % spent`,
    greeting: `Hi ${name},`,
    lines: [`${budgetName} is ${threshold} % spent: ${spentCredits} of ${limitCredits} credits. ${reset}`, consequence],
    action: "Review your budgets",
    url: settingsUrl,
    footer: "You receive this mail once per budget, period and threshold because you own this account.",
  });
}

/** How long a team invitation's link stays valid, in days. */
export const invitationTtlDays = 7;

/** An invitation to join a team: who invites, to which team, as what, and the link that accepts it. */
export function teamInvitationMail(to: string, facts: { inviterName: string; teamName: string; role: "ADMIN" | "MEMBER" }, url: string): Mail {
  const role = facts.role === "ADMIN" ? "an admin" : "a member";
  return compose({
    to,
    subject: `${facts.inviterName} invited you to ${facts.teamName} on Creditworks`,
    greeting: "Hi,",
    lines: [
      `${facts.inviterName} invited you to join the team “${facts.teamName}” as ${role}.`,
      "Sign in (or create an account) with this email address, then open the link to accept.",
    ],
    action: "Accept the invitation",
    url,
    footer: `The link works for ${invitationTtlDays} days, once. If you did not expect this invitation, ignore this mail.`,
  });
}
