import { TriangleAlertIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";

/** The page's origin and the one APP_URL names (computed on the server). */
export type OriginMismatchView = { requestOrigin: string; appOrigin: string };

/**
 * Shown on the auth pages when this page's address is not APP_URL's: signing
 * in or up would fail with "Invalid origin". Says which address works, and
 * how an operator fixes it.
 */
export function OriginNotice({ mismatch }: { mismatch: OriginMismatchView }) {
  return (
    <Alert variant="warning" data-testid="origin-notice">
      <TriangleAlertIcon aria-hidden />
      <div className="min-w-0">
        <AlertTitle>This address is not the app&apos;s configured address</AlertTitle>
        <AlertDescription>
          You opened <code className="break-all">{mismatch.requestOrigin}</code>, but this server is configured for{" "}
          <a className="break-all font-medium underline underline-offset-4" href={mismatch.appOrigin}>{mismatch.appOrigin}</a>{" "}
          (<code>APP_URL</code>), so signing in or up here will be refused. Open that address instead — or, if you run this
          server, restart it with <code className="break-all">APP_URL={mismatch.requestOrigin}</code>.
        </AlertDescription>
      </div>
    </Alert>
  );
}
