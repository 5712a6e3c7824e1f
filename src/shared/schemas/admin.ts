import { z } from "zod";

import { JobStatus } from "~/generated/prisma/enums";
import { idempotencyKey, jobId, pageLimit } from "~/shared/schemas/jobs";

/**
 * Input schemas of the admin procedures, shared with the admin forms (the
 * UI shows the same messages). Zod only: safe to import from the client.
 */
/** Job statuses in lifecycle order (from the generated enums: no server code). */
export const adminJobStatuses = Object.values(JobStatus);

const userId = z.string().min(1).max(64);

/** The KPI periods the dashboard offers, in hours. */
export const statsPeriodsHours = [1, 24, 24 * 7, 24 * 30] as const;

export const statsInput = z.object({ hours: z.number().int().min(1).max(24 * 366).default(24) });

export const usersInput = z.object({
  query: z.string().max(200).optional(),
  cursor: z.string().max(64).optional(),
  limit: pageLimit,
});

export const userDetailInput = z.object({ id: userId });

/** The kinds of account (workspace) an admin can filter by (decision 0012). */
export const workspaceKinds = ["PERSONAL", "TEAM"] as const;

/** Accounts: an exact id, or part of the name or of a member's email; optionally one kind. */
export const workspacesInput = z.object({
  query: z.string().max(200).optional(),
  kind: z.enum(workspaceKinds).optional(),
  cursor: z.string().max(64).optional(),
  limit: pageLimit,
});

export const workspaceDetailInput = z.object({ id: z.string().min(1).max(64) });

export const adminJobsInput = z.object({
  status: z.enum(JobStatus).optional(),
  /** An exact user id, or part of an email. */
  user: z.string().trim().max(200).optional(),
  modelId: z.string().max(64).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  cursor: jobId.optional(),
  limit: pageLimit,
});

export const jobDetailInput = z.object({ id: jobId });

export const reason = z.string().trim().min(3, "Say why (at least 3 characters).").max(500);

/** Force-fail: undelivered outputs come back; `goodwill` refunds the whole cost instead (SPEC §2). */
export const forceFailInput = z.object({ id: jobId, reason, goodwill: z.boolean().default(false) });

/** An admin's note for other admins: stored in the audit trail only, never shown to the user. */
export const internalNote = z.string().trim().max(1000).optional().transform((value) => value || undefined);

/**
 * Grant (positive) or deduct (negative) credits; the key applies it once.
 * `reason` is shown to the user on their statement; `note` is internal.
 */
export const grantCategories = ["PROMOTIONAL", "PAID"] as const;

/** How granted credits are kept (SPEC §7); every field defaults. */
export const grantTermsInput = z.object({
  category: z.enum(grantCategories).optional(),
  priority: z.number().int("Whole numbers only.").min(0, "From 0 to 100.").max(100, "From 0 to 100.").optional(),
  effectiveAt: z.date().optional(),
  expiresAt: z.date().nullable().optional(),
});

export const adjustCreditsInput = z
  .object({
    userId,
    amount: z
      .number()
      .int("Whole credits only.")
      .min(-1_000_000)
      .max(1_000_000)
      .refine((value) => value !== 0, "Must not be zero."),
    reason,
    note: internalNote,
    idempotencyKey,
    grant: grantTermsInput.optional(),
  })
  .superRefine((input, context) => {
    const terms = input.grant;
    if (!terms) return;
    if (input.amount < 0) {
      context.addIssue({ code: "custom", path: ["grant"], message: "A deduction draws from the grants: it has no terms." });
      return;
    }
    const effective = terms.effectiveAt ?? new Date();
    if (terms.effectiveAt && terms.effectiveAt.getTime() > Date.now() + 366 * 86_400_000) {
      context.addIssue({ code: "custom", path: ["effectiveAt"], message: "At most a year ahead." });
    }
    // "In the future" is the domain's check (cw_move_credits), made after the
    // idempotency key's: a retry of a grant that was applied replays even
    // once its expiry has passed.
    if (terms.expiresAt && terms.effectiveAt && terms.expiresAt.getTime() <= effective.getTime()) {
      context.addIssue({ code: "custom", path: ["expiresAt"], message: "Pick a date after the effective date, in the future." });
    }
  });

/** An admin voids what is left of a grant, with a reason the user reads. */
export const voidGrantInput = z.object({ grantId: z.string().regex(/^\d{1,18}$/, "Not a grant."), reason });

export const integrityInput = z.object({
  jobId: jobId.optional(),
  userId: userId.optional(),
});

/** Every action the audit trail records (the writers name theirs with `satisfies AuditAction`). */
export const auditActions = ["credits.grant", "credits.deduct", "credits.void-grant", "job.force-fail"] as const;
export type AuditAction = (typeof auditActions)[number];

/** The audit action a URL's `?action=` names, or undefined for anything else (all actions). */
export function auditActionOf(value: string | null | undefined): AuditAction | undefined {
  return auditActions.find((action) => action === value);
}

export const auditInput = z.object({
  action: z.enum(auditActions).optional(),
  targetUserId: userId.optional(),
  targetJobId: jobId.optional(),
  cursor: z.string().regex(/^\d{1,19}$/, "Not a cursor.").optional(),
  limit: pageLimit,
});
