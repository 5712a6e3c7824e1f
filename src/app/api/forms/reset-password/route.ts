import { resetPasswordByForm } from "~/server/auth/form-posts";

export const dynamic = "force-dynamic";

/** Sets a new password from a reset link when the form is posted without JavaScript (src/shared/form-posts.ts). */
export const POST = resetPasswordByForm;
