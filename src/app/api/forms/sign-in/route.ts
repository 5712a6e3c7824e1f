import { signInByForm } from "~/server/auth/form-posts";

export const dynamic = "force-dynamic";

/** Signs in when the form is posted without JavaScript (src/shared/form-posts.ts). */
export const POST = signInByForm;
