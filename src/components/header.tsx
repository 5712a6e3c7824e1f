"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { useQuery } from "@tanstack/react-query";
import { BookOpenIcon, ClockAlertIcon, CoinsIcon, CreditCardIcon, GaugeIcon, KeyRoundIcon, LogOutIcon, PlusIcon, SettingsIcon, ShieldIcon, UserIcon, UsersIcon, WebhookIcon } from "lucide-react";
import Link from "next/link";
import { Suspense } from "react";

import { ThemeToggle } from "~/components/theme-toggle";
import { WorkspaceSwitcher } from "~/components/workspaces/workspace-switcher";
import { useActiveWorkspace, type ActiveWorkspaceView } from "~/components/workspaces/use-workspace";
import { roleAtLeast, type WorkspaceRole } from "~/lib/workspace-roles";
import { Button } from "~/components/ui/button";
import { formatExpiresIn } from "~/lib/format";
import { cn } from "~/lib/utils";
import { useCurrentPath, useCurrentSearchParams } from "~/lib/navigation";
import { useTRPC } from "~/trpc/react";
import { retryOnlyReconnectable } from "~/lib/app-error";

const balancePollMs = 3_000;

/** The main links, each with the least role that may use its page (SPEC §9); the statement's is decided by the team. */
const links: { href: string; label: string; match: (path: string) => boolean; least: WorkspaceRole }[] = [
  { href: "/", label: "Generate", match: (path: string) => path === "/", least: "MEMBER" },
  { href: "/jobs", label: "Jobs", match: (path: string) => path.startsWith("/jobs"), least: "MEMBER" },
  { href: "/statement", label: "Statement", match: (path: string) => path.startsWith("/statement"), least: "MEMBER" },
  { href: "/buy", label: "Buy credits", match: (path: string) => path.startsWith("/buy"), least: "OWNER" },
];

/** Whether the viewer may read the active workspace's statement: owners and admins, members when the team allows it. */
function canSeeStatement(workspace: ActiveWorkspaceView | undefined): boolean {
  return !!workspace && (roleAtLeast(workspace.role, "ADMIN") || workspace.membersSeeStatement);
}

type HeaderUser = { id: string; email: string; name: string; role: "USER" | "ADMIN" };

/**
 * Top bar: navigation, the balance (available and reserved, always visible)
 * and the account menu. The server hands over who is signed in, so the
 * first paint already has its final shape: nothing appears or moves later.
 */
export function Header({ initialUser, initialWorkspace }: { initialUser: HeaderUser | null | undefined; initialWorkspace: ActiveWorkspaceView | null }) {
  const trpc = useTRPC();
  const pathname = useCurrentPath();
  // `undefined`: the server could not tell who is signed in (its database
  // was unavailable); the query asks until it can, and until then the
  // header offers neither the account nor sign-in.
  const me = useQuery({ ...trpc.account.me.queryOptions(), staleTime: 30_000, ...(initialUser !== undefined ? { initialData: initialUser } : {}) });
  const known = me.data !== undefined;
  const user = me.data ?? null;
  const workspace = useActiveWorkspace(user ? initialWorkspace : null, { signedIn: user !== null }).data;
  const role = workspace?.role;
  const allowed = links.filter((link) => roleAtLeast(role, link.least) && (link.href !== "/statement" || canSeeStatement(workspace)));
  const navLinks = user?.role === "ADMIN"
    ? [...allowed, { href: "/admin", label: "Admin", match: (path: string) => path.startsWith("/admin"), least: "MEMBER" as const }]
    : allowed;
  return (
    <header className="sticky top-0 z-40 border-b bg-card/90 backdrop-blur supports-[backdrop-filter]:bg-card/75">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2.5">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span className="grid size-7 place-items-center rounded-md bg-primary text-primary-foreground" aria-hidden>
            <CoinsIcon className="size-4" />
          </span>
          <span className="max-[420px]:sr-only">Creditworks</span>
        </Link>
        {/* On a phone the first row keeps the balance; the switcher starts the second, above the links. */}
        {user ? <div className="order-[90] min-w-0 md:order-none"><WorkspaceSwitcher initial={initialWorkspace} /></div> : null}
        {user ? (
          <nav aria-label="Main" className="order-last -mx-1 flex w-full gap-1 overflow-x-auto md:order-none md:w-auto">
            {navLinks.map((link) => {
              const active = link.match(pathname);
              return (
                <Link
                  key={link.href}
                  href={link.href}
                  aria-current={active ? "page" : undefined}
                  className={cn(
                    "flex items-center gap-1 whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm font-medium text-muted-foreground hover:bg-muted hover:text-foreground",
                    active && "bg-muted text-foreground",
                  )}
                >
                  {link.href === "/admin" ? <ShieldIcon className="size-3.5" aria-hidden /> : null}
                  {link.label}
                </Link>
              );
            })}
          </nav>
        ) : null}
        <div className="ml-auto flex items-center gap-1.5">
          {user ? <BalanceBadge canBuy={roleAtLeast(role, "OWNER")} canSeeStatement={canSeeStatement(workspace)} /> : known ? <Suspense fallback={<SignedOutActions returnTo={null} />}><SignedOutActionsHere /></Suspense> : null}
          <ThemeToggle />
          {user ? <AccountMenu email={user.email} name={user.name} workspace={workspace} /> : null}
        </div>
      </div>
    </header>
  );
}

const authPaths = new Set(["/", "/sign-in", "/sign-up", "/sign-out"]);

/**
 * Sign in / up from any page comes back to that page (path and query); on
 * the auth pages themselves, to where they were going to send the user.
 */
function SignedOutActionsHere() {
  const pathname = useCurrentPath();
  const params = useCurrentSearchParams();
  const search = params.toString();
  return <SignedOutActions returnTo={authPaths.has(pathname) ? params.get("next") : `${pathname}${search ? `?${search}` : ""}`} />;
}

function SignedOutActions({ returnTo }: { returnTo: string | null }) {
  const query = returnTo ? `?next=${encodeURIComponent(returnTo)}` : "";
  return (
    <>
      <Button asChild variant="ghost" size="sm"><Link href={`/sign-in${query}`}>Sign in</Link></Button>
      <Button asChild size="sm"><Link href={`/sign-up${query}`}>Sign up</Link></Button>
    </>
  );
}

/**
 * Available and reserved credits; fixed-width digits in boxes sized for
 * six characters, so neither the "—" placeholder nor an update shifts anything.
 */
function BalanceBadge({ canBuy, canSeeStatement }: { canBuy: boolean; canSeeStatement: boolean }) {
  const trpc = useTRPC();
  const summary = useQuery({ ...trpc.credits.summary.queryOptions(), refetchInterval: balancePollMs, retry: retryOnlyReconnectable });
  const expiring = summary.data?.expiringSoon;
  const boxClass = "flex items-center gap-3 rounded-md border bg-background px-2.5 py-1 text-sm";
  const figures = (
    <>
      <span className="flex flex-col leading-tight">
        <span className="text-[10px] font-medium uppercase tracking-wide text-muted-foreground">Available</span>
        <span className="min-w-[6ch] font-semibold tabular-nums" data-testid="balance-available">
          {summary.data ? summary.data.available.toLocaleString("en-US") : "—"}
        </span>
      </span>
      <span className="flex flex-col leading-tight">
        <span className="text-[10px] font-medium uppercase tracking-wide text-muted-foreground">Reserved</span>
        <span className="min-w-[5ch] tabular-nums text-muted-foreground" data-testid="balance-reserved">
          {summary.data ? summary.data.reserved.toLocaleString("en-US") : "—"}
        </span>
      </span>
      {expiring ? (
        <span className="flex items-center gap-1 text-xs text-amber-800 dark:text-amber-300" data-testid="balance-expiring">
          <ClockAlertIcon aria-hidden className="size-3.5 shrink-0" />
          <span className="sr-only sm:not-sr-only">
            {expiring.credits.toLocaleString("en-US")} expire {formatExpiresIn(expiring.expiresAt)}
          </span>
        </span>
      ) : null}
    </>
  );
  return (
    <div className="flex items-center gap-1">
      {/* A member who may not read the team's statement still sees the balance they spend from. */}
      {canSeeStatement ? (
        <Link href="/statement" className={cn(boxClass, "hover:bg-muted")} aria-label="Balance — open the statement">{figures}</Link>
      ) : (
        <div className={boxClass} role="group" aria-label="Balance">{figures}</div>
      )}
      {canBuy ? (
        <Button asChild variant="outline" size="icon" className="hidden sm:inline-flex">
          <Link href="/buy" aria-label="Buy credits"><PlusIcon aria-hidden /></Link>
        </Button>
      ) : null}
    </div>
  );
}

/** The account menu: the person's own settings, then the workspace's pages their role may use (SPEC §9). */
function AccountMenu({ email, name, workspace }: { email: string; name: string; workspace: ActiveWorkspaceView | undefined }) {
  const role = workspace?.role;
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        <Button variant="ghost" size="icon" aria-label="Account menu">
          <UserIcon aria-hidden />
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={6}
          className="z-50 min-w-56 rounded-md border bg-card p-1 text-card-foreground shadow-md"
        >
          <DropdownMenu.Label className="px-2 py-1.5">
            <span className="block text-sm font-medium">{name}</span>
            <span className="block truncate text-xs text-muted-foreground">{email}</span>
          </DropdownMenu.Label>
          <DropdownMenu.Separator className="my-1 h-px bg-border" />
          {canSeeStatement(workspace) ? <MenuLink href="/statement" icon={CoinsIcon}>Statement</MenuLink> : null}
          <MenuLink href="/settings/account" icon={SettingsIcon}>Account settings</MenuLink>
          {workspace?.kind === "TEAM" ? <MenuLink href="/settings/team" icon={UsersIcon}>Team settings</MenuLink> : null}
          {roleAtLeast(role, "OWNER") ? <MenuLink href="/settings/billing" icon={CreditCardIcon}>Billing and auto top-up</MenuLink> : null}
          {roleAtLeast(role, "ADMIN") ? <MenuLink href="/settings/budgets" icon={GaugeIcon}>Budgets</MenuLink> : null}
          {roleAtLeast(role, "ADMIN") ? <MenuLink href="/settings/webhooks" icon={WebhookIcon}>Webhooks</MenuLink> : null}
          {roleAtLeast(role, "ADMIN") ? <MenuLink href="/settings/api-keys" icon={KeyRoundIcon}>API keys</MenuLink> : null}
          <MenuLink href="/docs/api" icon={BookOpenIcon}>API docs</MenuLink>
          <MenuLink href="/sign-out" icon={LogOutIcon}>Sign out</MenuLink>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

/** One entry of the account menu: a link, as a menu item (one child per item). */
function MenuLink({ href, icon: Icon, children }: { href: string; icon: typeof CoinsIcon; children: string }) {
  return (
    <DropdownMenu.Item asChild className="flex cursor-pointer items-center gap-2 rounded-sm px-2 py-1.5 text-sm outline-none focus:bg-muted">
      <Link href={href}><Icon className="size-4" aria-hidden /> {children}</Link>
    </DropdownMenu.Item>
  );
}
