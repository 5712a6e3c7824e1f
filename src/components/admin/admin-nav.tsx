"use client";

import Link from "next/link";

import { cn } from "~/lib/utils";
import { useCurrentPath } from "~/lib/navigation";

const sections = [
  { href: "/admin", label: "Overview", exact: true },
  { href: "/admin/users", label: "Users" },
  { href: "/admin/workspaces", label: "Accounts" },
  { href: "/admin/jobs", label: "Jobs" },
  { href: "/admin/integrity", label: "Integrity" },
  { href: "/admin/audit", label: "Audit trail" },
];

/** The admin sections, the current one marked for screen readers too. */
export function AdminNav() {
  const pathname = useCurrentPath();
  return (
    <nav aria-label="Admin" className="-mx-1 flex gap-1 overflow-x-auto border-b pb-2">
      {sections.map((section) => {
        const active = section.exact ? pathname === section.href : pathname.startsWith(section.href);
        return (
          <Link
            key={section.href}
            href={section.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground hover:bg-muted hover:text-foreground",
              active && "bg-muted text-foreground",
            )}
          >
            {section.label}
          </Link>
        );
      })}
    </nav>
  );
}
