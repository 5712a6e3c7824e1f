import { signUpByForm } from "~/server/auth/form-posts";

export const dynamic = "force-dynamic";

/** Signs up when the form is posted without JavaScript (src/shared/form-posts.ts). */
export const POST = signUpByForm;
