"use client";

import * as RadioGroup from "@radix-ui/react-radio-group";
import { FileTextIcon, ImageIcon } from "lucide-react";

import { Skeleton } from "~/components/ui/skeleton";
import { cn } from "~/lib/utils";

export type PickerModel = { id: string; name: string; description: string; kind: string; pricePerOutput: number };

/** The catalog as radio cards: name, what it makes, and its price per output. */
export function ModelPicker({
  models,
  value,
  onChange,
  invalid,
  describedBy,
}: {
  models: readonly PickerModel[] | undefined;
  value: string;
  onChange: (id: string) => void;
  invalid?: boolean;
  describedBy?: string;
}) {
  if (!models) {
    return (
      <div className="grid gap-3 sm:grid-cols-3" aria-hidden>
        {[0, 1, 2].map((i) => <Skeleton key={i} className="h-[104px]" />)}
      </div>
    );
  }
  return (
    <RadioGroup.Root
      value={value}
      onValueChange={onChange}
      aria-labelledby="model-label"
      aria-describedby={describedBy}
      aria-invalid={invalid || undefined}
      className="grid gap-3 sm:grid-cols-3"
    >
      {models.map((model) => (
        <RadioGroup.Item
          key={model.id}
          value={model.id}
          aria-label={`${model.name}, ${model.pricePerOutput} credits per output`}
          className={cn(
            "flex h-full flex-col gap-1.5 rounded-lg border bg-card p-3 text-left transition-colors hover:bg-muted/60",
            "focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
            "data-[state=checked]:border-primary data-[state=checked]:bg-accent data-[state=checked]:ring-1 data-[state=checked]:ring-primary",
          )}
        >
          <span className="flex items-center justify-between gap-2">
            <span className="flex items-center gap-1.5 font-medium">
              {model.kind === "image" ? <ImageIcon className="size-4" aria-hidden /> : <FileTextIcon className="size-4" aria-hidden />}
              {model.name}
            </span>
            <span className="whitespace-nowrap text-xs font-semibold tabular-nums">{model.pricePerOutput} cr / output</span>
          </span>
          <span className="text-xs text-muted-foreground">{model.description}</span>
        </RadioGroup.Item>
      ))}
    </RadioGroup.Root>
  );
}

/** 1–4 outputs as a segmented control. */
export function OutputsPicker({ value, max, onChange, describedBy }: { value: number; max: number; onChange: (n: number) => void; describedBy?: string }) {
  return (
    <RadioGroup.Root
      value={String(value)}
      onValueChange={(next) => onChange(Number(next))}
      aria-labelledby="outputs-label"
      aria-describedby={describedBy}
      orientation="horizontal"
      className="inline-flex w-fit self-start rounded-lg border bg-muted p-1"
    >
      {Array.from({ length: max }, (_, i) => i + 1).map((count) => (
        <RadioGroup.Item
          key={count}
          value={String(count)}
          aria-label={`${count} ${count === 1 ? "output" : "outputs"}`}
          className="h-8 w-11 rounded-md text-sm font-medium tabular-nums text-muted-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring data-[state=checked]:bg-card data-[state=checked]:text-foreground data-[state=checked]:shadow-sm"
        >
          {count}
        </RadioGroup.Item>
      ))}
    </RadioGroup.Root>
  );
}
