import { CheckCircle2Icon, CircleDashedIcon, Loader2Icon, OctagonXIcon, XCircleIcon } from "lucide-react";

import { Badge, type BadgeProps } from "~/components/ui/badge";

const statusLook: Record<string, { label: string; variant: BadgeProps["variant"]; Icon: typeof CheckCircle2Icon; spin?: boolean }> = {
  PENDING: { label: "Queued", variant: "secondary", Icon: CircleDashedIcon },
  PROCESSING: { label: "Processing", variant: "info", Icon: Loader2Icon, spin: true },
  COMPLETED: { label: "Completed", variant: "success", Icon: CheckCircle2Icon },
  FAILED: { label: "Failed", variant: "destructive", Icon: XCircleIcon },
  CANCELLED: { label: "Cancelled", variant: "warning", Icon: OctagonXIcon },
};

export const activeJobStatuses = new Set(["PENDING", "PROCESSING"]);

/** A job status as a coloured badge; `data-status` carries the raw value for tests. */
export function StatusBadge({ status }: { status: string }) {
  const look = statusLook[status] ?? { label: status, variant: "outline" as const, Icon: CircleDashedIcon };
  const { Icon } = look;
  return (
    <Badge variant={look.variant} data-status={status}>
      <Icon className={look.spin ? "size-3 animate-spin motion-reduce:animate-none" : "size-3"} aria-hidden />
      {look.label}
    </Badge>
  );
}
