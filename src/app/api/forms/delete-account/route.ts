import { deleteAccountByForm } from "~/server/auth/form-posts";

export const dynamic = "force-dynamic";

/** Deletes the account when the form is posted without JavaScript (src/shared/form-posts.ts). */
export const POST = deleteAccountByForm;
