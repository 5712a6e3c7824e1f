"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { useTRPC } from "~/trpc/react";

/** The user's jobs, newest first. */
export function JobsList() {
  const trpc = useTRPC();
  const jobs = useQuery({ ...trpc.jobs.list.queryOptions({ limit: 20 }), refetchInterval: 3_000 });
  return (
    <section aria-labelledby="jobs-title" className="flex flex-col gap-4">
      <h1 id="jobs-title" className="text-2xl font-semibold">Jobs</h1>
      {jobs.data?.items.length === 0 ? <p>No jobs yet. <Link href="/">Generate one</Link>.</p> : null}
      <ul className="flex flex-col gap-2">
        {jobs.data?.items.map((job) => (
          <li key={job.id}><Link href={`/jobs/${job.id}`}>{job.prompt.slice(0, 60)} — {job.status}</Link></li>
        ))}
      </ul>
    </section>
  );
}
