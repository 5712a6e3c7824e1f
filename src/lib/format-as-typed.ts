import type { ChangeEvent } from "react";

/**
 * An `onChange` for an uncontrolled input that rewrites what was typed with
 * `format` (card number in groups of four, expiry as MM/YY), keeping the
 * caret where it was among the digits: after the same number of digits, or
 * at the end when it was at the end.
 */
export function formatAsTyped(format: (value: string) => string) {
  return (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const typed = input.value;
    const formatted = format(typed);
    if (formatted === typed) return;
    const caret = input.selectionStart ?? typed.length;
    input.value = formatted;
    if (caret >= typed.length) return input.setSelectionRange(formatted.length, formatted.length);
    const digitsBefore = typed.slice(0, caret).replace(/\D/g, "").length;
    let position = 0;
    for (let seen = 0; position < formatted.length && seen < digitsBefore; position++) {
      if (/\d/.test(formatted[position]!)) seen++;
    }
    input.setSelectionRange(position, position);
  };
}
