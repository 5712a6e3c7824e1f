import type { Metadata } from "next";
import type { ReactNode } from "react";

import "~/app/globals.css";
import { TRPCReactProvider } from "~/trpc/react";
import { Header } from "~/components/header";

export const metadata: Metadata = {
  title: "Creditworks",
  description: "An AI generation studio where every credit is accounted for.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
        <TRPCReactProvider>
          <Header />
          <main className="mx-auto max-w-4xl px-4 py-8">{children}</main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
