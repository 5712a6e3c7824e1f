import type { ComponentProps } from "react";

import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";

type Props = Omit<ComponentProps<"input">, "id"> & { id: string; label: string; error?: string; hint?: string };

/**
 * A labelled input whose error (or hint) is announced with it: the message
 * has an id that `aria-describedby` points at, and `aria-invalid` is set.
 */
export function FormField({ id, label, error, hint, ...input }: Props) {
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <Input id={id} name={id} aria-invalid={!!error || undefined} aria-describedby={describedBy} {...input} />
      {error ? <FieldError id={`${id}-error`}>{error}</FieldError> : hint ? <p id={`${id}-hint`} className="text-xs text-muted-foreground">{hint}</p> : null}
    </div>
  );
}
