import { changePasswordByForm } from "~/server/auth/form-posts";

export const dynamic = "force-dynamic";

/** Changes the password when the form is posted without JavaScript (src/shared/form-posts.ts). */
export const POST = changePasswordByForm;
