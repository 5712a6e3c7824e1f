import { GenerateForm } from "~/components/generate/generate-form";
import { RecentJobs } from "~/components/jobs/recent-jobs";
import { Landing } from "~/components/landing";
import { PageHeader } from "~/components/page-header";
import { getServerCaller } from "~/trpc/server";
import { withReconnecting } from "~/trpc/reconnecting";

export const dynamic = "force-dynamic";

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
