import { JobsList } from "~/components/jobs-list";

export default function JobsPage() {
  return <JobsList />;
}
