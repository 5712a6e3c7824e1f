import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";

import "~/app/globals.css";
import { VerifyEmailBanner } from "~/components/account/verify-email-banner";
import { AutoTopupBanner } from "~/components/billing/auto-topup-banner";
import { ConnectionNotice } from "~/components/connection-notice";
import { Header } from "~/components/header";
import { ThemeProvider } from "~/components/theme-provider";
import { Toaster } from "~/components/ui/toaster";
import { inertUntilHydratedScript } from "~/lib/inert-until-hydrated";
import { isDatabaseUnavailable } from "~/server/database/app-errors";
import { nonceHeader } from "~/server/http/security-headers";
import { TRPCReactProvider } from "~/trpc/react";
import { getServerCaller } from "~/trpc/server";

export const metadata: Metadata = {
  title: { default: "Creditworks", template: "%s · Creditworks" },
  description: "An AI generation studio where every credit is accounted for.",
  // public/: what a site serves besides its pages (favicon.ico, robots.txt, the manifest, icons).
  manifest: "/manifest.webmanifest",
  // Named in full: once `icons` is set, Next.js no longer adds app/icon.svg on its own.
  icons: { icon: [{ url: "/icon.svg", type: "image/svg+xml" }], apple: "/apple-touch-icon.png" },
};

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#fafafa" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

/**
 * Every page is rendered per request: it carries that response's CSP nonce
 * (src/proxy.ts; next-themes' inline script needs it) and the signed-in
 * user, so the header and the banner under it are drawn complete at once
 * (no placeholder to shift, nothing inserted above the page later).
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const nonce = (await headers()).get(nonceHeader) ?? undefined;
  // Undefined: who is signed in cannot be told now (the database is
  // unavailable); the header asks again by itself and the page reconnects.
  const me = await readSignedInUser();
  // Whether to ask for a verified email is known now, so the banner is
  // drawn with the page instead of pushing it down after the first paint.
  const profile = me ? await (await getServerCaller()).account.profile().catch(() => null) : null;
  // The workspace switcher is drawn with its name at once (decision 0012: the session's workspace).
  const workspace = me ? await (await getServerCaller()).workspaces.activeView().catch(() => null) : null;
  return (
    // next-themes sets the class on <html> before hydration.
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen antialiased">
        {/* Before any form is parsed: password forms stay inert until hydrated. */}
        <script nonce={nonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: inertUntilHydratedScript }} />
        <ThemeProvider nonce={nonce}>
          <TRPCReactProvider>
            <a
              href="#main"
              className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-card focus:px-3 focus:py-2"
            >
              Skip to content
            </a>
            <Header initialUser={me} initialWorkspace={workspace} />
            <ConnectionNotice />
            <VerifyEmailBanner initialProfile={profile} />
            <AutoTopupBanner />
            <main id="main" className="mx-auto w-full max-w-6xl px-4 py-6 sm:py-8">
              {children}
            </main>
            <footer className="mx-auto flex w-full max-w-6xl flex-wrap gap-x-4 gap-y-1 border-t px-4 py-4 text-xs text-muted-foreground">
              <span>Creditworks</span>
              <nav aria-label="Developers" className="flex flex-wrap gap-x-4">
                <Link className="hover:text-foreground hover:underline" href="/docs/api">API docs</Link>
                {me && workspace && workspace.role !== "MEMBER" ? <Link className="hover:text-foreground hover:underline" href="/settings/api-keys">API keys</Link> : null}
              </nav>
            </footer>
            <Toaster />
          </TRPCReactProvider>
        </ThemeProvider>
      </body>
    </html>
  );
}

async function readSignedInUser() {
  try {
    return await (await getServerCaller()).account.me();
  } catch (error) {
    if (isDatabaseUnavailable(error)) return undefined;
    throw error;
  }
}
