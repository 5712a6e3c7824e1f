import { expect, test } from "./fixtures/test";

// A visitor who is not signed in asks the server nothing that needs a
// session: every request of the public pages answers, none is refused with
// a 401 (the browser's console would show each as an error).
test("the public pages ask nothing that needs a session", async ({ page }) => {
  const refused: string[] = [];
  page.on("response", (response) => {
    if (response.status() >= 400) refused.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  for (const path of ["/", "/sign-in", "/sign-up", "/forgot-password", "/docs/api"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  expect(refused).toEqual([]);
});
