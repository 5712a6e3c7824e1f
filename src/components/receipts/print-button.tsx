"use client";

import { PrinterIcon } from "lucide-react";

import { Button } from "~/components/ui/button";

/** Opens the browser's print dialog (the receipt has print styles). */
export function PrintButton() {
  return (
    <Button type="button" variant="outline" onClick={() => window.print()}>
      <PrinterIcon className="size-4" aria-hidden /> Print
    </Button>
  );
}
