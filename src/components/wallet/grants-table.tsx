import type { ReactNode } from "react";

import { Badge } from "~/components/ui/badge";
import { formatCredits, formatDateTime } from "~/lib/format";
import type { WalletGrant } from "~/server/wallet/wallet";

/** A grant as the wallet shows it (the server's type: superjson keeps the dates). */
export type GrantRow = WalletGrant;

const stateBadge: Record<GrantRow["state"], { label: string; variant: "success" | "info" | "secondary" | "destructive" }> = {
  live: { label: "Live", variant: "success" },
  spent: { label: "Used up", variant: "secondary" },
  scheduled: { label: "Scheduled", variant: "info" },
  expired: { label: "Expired", variant: "secondary" },
  voided: { label: "Voided", variant: "destructive" },
};

export function grantCategoryLabel(category: GrantRow["category"]): string {
  return category === "PAID" ? "Paid" : "Promotional";
}

function expiryText(grant: GrantRow): string {
  if (grant.state === "scheduled") return `From ${formatDateTime(grant.effectiveAt)}`;
  if (grant.state === "voided") return `Voided ${grant.closedAt ? formatDateTime(grant.closedAt) : ""}`;
  if (grant.state === "expired") return `Expired ${formatDateTime(grant.expiresAt ?? grant.closedAt ?? grant.effectiveAt)}`;
  return grant.expiresAt ? `Expires ${formatDateTime(grant.expiresAt)}` : "Never expires";
}

/**
 * The grants of one wallet, in spending order (the first row is spent
 * first): category, what is left of the amount as a bar, and the expiry.
 * A list, not a table, so that it reads on a phone; `action` adds a control
 * per row (the admin's Void).
 */
export function GrantsList({ grants, action, empty, label = "Grants, in the order credits are spent" }: {
  grants: GrantRow[]; action?: (grant: GrantRow) => ReactNode; empty: ReactNode; label?: string;
}) {
  if (grants.length === 0) return <>{empty}</>;
  return (
    <ol className="flex flex-col divide-y" aria-label={label}>
      {grants.map((grant) => {
        const badge = stateBadge[grant.state];
        const share = grant.amount > 0 ? Math.round((grant.remaining / grant.amount) * 100) : 0;
        return (
          <li key={grant.id} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:gap-4" data-testid="wallet-grant">
            <div className="flex min-w-0 flex-1 flex-col gap-1">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{grantCategoryLabel(grant.category)}</span>
                <Badge variant={badge.variant}>{badge.label}</Badge>
                <span className="min-w-0 text-sm text-muted-foreground [overflow-wrap:anywhere]">{grant.reason}</span>
              </div>
              <div className="flex items-center gap-3">
                <div
                  className="h-2 w-full max-w-48 overflow-hidden rounded-full bg-muted"
                  role="meter"
                  aria-valuemin={0}
                  aria-valuemax={grant.amount}
                  aria-valuenow={grant.remaining}
                  aria-label={`${formatCredits(grant.remaining)} of ${formatCredits(grant.amount)} credits left`}
                >
                  <div className="h-full rounded-full bg-primary" style={{ width: `${share}%` }} />
                </div>
                <span className="text-sm tabular-nums">
                  <span data-testid="wallet-grant-remaining">{formatCredits(grant.remaining)}</span> of {formatCredits(grant.amount)}
                </span>
              </div>
              <p className="text-xs text-muted-foreground [overflow-wrap:anywhere]">
                {expiryText(grant)} · priority {grant.priority}
                {grant.voidReason ? ` · ${grant.voidReason}` : ""}
              </p>
            </div>
            {action ? <div className="shrink-0">{action(grant)}</div> : null}
          </li>
        );
      })}
    </ol>
  );
}
