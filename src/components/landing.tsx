import { CoinsIcon, ReceiptTextIcon, ShieldCheckIcon, SparklesIcon } from "lucide-react";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";

const features = [
  { icon: SparklesIcon, title: "Generate in the background", text: "Stories and images run as jobs; watch them arrive live and cancel any time." },
  { icon: CoinsIcon, title: "Pay per output", text: "Prepaid credits, a clear price per output, and automatic refunds for anything not delivered." },
  { icon: ReceiptTextIcon, title: "A statement you can read", text: "Every credit in and out is a ledger entry with the balance before and after." },
  { icon: ShieldCheckIcon, title: "Never charged twice", text: "Double clicks, retries and reloads are safe: one intent is one charge." },
];

/** The home page for visitors who are not signed in. */
export function Landing() {
  return (
    <div className="flex flex-col gap-10 py-6 sm:py-12">
      <section className="flex flex-col items-center gap-5 text-center">
        <h1 className="max-w-2xl text-3xl font-semibold tracking-tight sm:text-5xl">An AI studio where every credit is accounted for</h1>
        <p className="max-w-xl text-muted-foreground">
          Write a prompt, pick a model, get stories and images. Start with 100 free credits.
        </p>
        <div className="flex gap-3">
          <Button asChild size="lg"><Link href="/sign-up">Create an account</Link></Button>
          <Button asChild size="lg" variant="outline"><Link href="/sign-in">Sign in</Link></Button>
        </div>
      </section>
      <section aria-label="Features" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {features.map(({ icon: Icon, title, text }) => (
          <Card key={title}>
            <CardContent className="flex flex-col gap-2 pt-5">
              <Icon className="size-5 text-primary" aria-hidden />
              <h2 className="font-medium">{title}</h2>
              <p className="text-sm text-muted-foreground">{text}</p>
            </CardContent>
          </Card>
        ))}
      </section>
    </div>
  );
}
