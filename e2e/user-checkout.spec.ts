import { buyPack, expectPaid, payWith, testCards } from "./fixtures/checkout";
import { expect, test } from "./fixtures/test";
import { balanceOf, ledgerOf, signUp, trpcMutation } from "./fixtures/user";

type Confirmation = { checkoutId: string; provider: string; token: string };

test.describe("Sandbox checkout", () => {
  test("a declined card changes nothing; the success card grants the pack once", async ({ page }) => {
    await signUp(page);
    await page.goto("/buy");
    await page.getByRole("button", { name: /^Buy Creator:/ }).click();
    await page.waitForURL(/\/buy\/checkout\//);
    await payWith(page, testCards.declined);
    await expect(page.getByText("Payment declined")).toBeVisible();
    await expect(page.getByText("Your card was declined.")).toBeVisible();
    expect((await ledgerOf(page.request)).filter((e) => e.kind === "PURCHASE")).toHaveLength(0);

    await payWith(page, "4111 1111 1111 1111");
    await expect(page.getByText("Sandbox mode: use a test card")).toBeVisible();
    await expect(page.getByLabel("Card number")).toHaveAttribute("aria-invalid", "true");

    await payWith(page, testCards.success);
    await expectPaid(page);
    await expect(page.getByTestId("balance-available")).toHaveText("600");
    await page.reload(); // The receipt survives a reload, and nothing is paid twice.
    await expectPaid(page);
    const purchases = (await ledgerOf(page.request)).filter((e) => e.kind === "PURCHASE");
    expect(purchases.map((e) => [e.amount, e.balanceBefore, e.balanceAfter])).toEqual([[500, 100, 600]]);
  });

  test("the confirmation delivered twice (return and webhook, retried) grants the credits once", async ({ page }) => {
    await signUp(page);
    await page.goto("/buy");
    const paid = page.waitForResponse((response) => response.url().includes("/api/trpc/checkout.pay"));
    const checkoutId = await buyPack(page, "Starter");
    const body = (await (await paid).json()) as { result: { data: { json: { confirmation: Confirmation } } } }[];
    const confirmation = body[0]!.result.data.json.confirmation;
    expect(confirmation.checkoutId).toBe(checkoutId);
    await expectPaid(page);

    // The provider's webhook arrives (twice, concurrently) after the browser's return.
    const webhooks = await Promise.all([0, 1].map(() => page.request.post("/api/checkout/webhook", { data: confirmation })));
    for (const response of webhooks) {
      expect(response.status()).toBe(200);
      expect(await response.json()).toEqual({ received: true, replayed: true, credits: 100 });
    }
    // And the browser's confirmation is retried too.
    const again = await trpcMutation<{ replayed: boolean }>(page.request, "checkout.confirm", confirmation);
    expect(again.data?.replayed).toBe(true);

    const purchases = (await ledgerOf(page.request)).filter((e) => e.kind === "PURCHASE");
    expect(purchases).toHaveLength(1);
    expect(purchases[0]!.amount).toBe(100);
    expect((await balanceOf(page.request)).available).toBe(200);

    // A forged confirmation is refused and grants nothing.
    const forged = await page.request.post("/api/checkout/webhook", { data: { ...confirmation, token: "forged" } });
    expect(forged.status()).toBe(403);
    expect((await balanceOf(page.request)).available).toBe(200);
  });
});
