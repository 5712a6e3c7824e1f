import { GenerateForm } from "~/components/generate-form";

export default function HomePage() {
  return (
    <section aria-labelledby="generate-title" className="flex flex-col gap-4">
      <h1 id="generate-title" className="text-2xl font-semibold">Generate</h1>
      <GenerateForm />
    </section>
  );
}
