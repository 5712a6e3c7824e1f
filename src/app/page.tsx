import type { Metadata } from "next";

import { GenerateForm } from "~/components/generate/generate-form";
import { RecentJobs } from "~/components/jobs/recent-jobs";
import { Landing } from "~/components/landing";
import { PageHeader } from "~/components/page-header";
import { getServerCaller, signedInForMetadata } from "~/trpc/server";
import { withReconnecting } from "~/app/with-reconnecting";

export const dynamic = "force-dynamic";

/**
 * Signed in, the page is Generate; signed out, the landing page says what
 * the product is. Absolute: the root layout's title template applies to
 * pages below it, not to its own.
 */
export async function generateMetadata(): Promise<Metadata> {
  const me = await signedInForMetadata();
  return { title: { absolute: me ? "Generate · Creditworks" : "Creditworks — an AI studio where every credit is accounted for" } };
}

export default withReconnecting(async function HomePage() {
  const me = await (await getServerCaller()).account.me();
  if (!me) return <Landing />;
  return (
    <>
      <PageHeader title="Generate" description="Pick a model, describe what you want, and watch it arrive." />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_320px]">
        <GenerateForm />
        <RecentJobs />
      </div>
    </>
  );
});
