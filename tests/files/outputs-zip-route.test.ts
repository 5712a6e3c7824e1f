import { randomUUID } from "node:crypto";

import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";

import { GET } from "~/app/api/jobs/[id]/outputs.zip/route";
import { runJob } from "~/server/jobs/run";

import { callerFor, jobRequest, workerDeps, type TestUser } from "../helpers";
import { signedUpUser } from "../fixtures/sessions";

// The zip route as the browser calls it (a fetch Request with a real
// better-auth session cookie, a Response out), on real jobs run by the
// sandbox worker: the owner gets every delivered output, anyone else 404.

const origin = "http://localhost:3000";

function signedInUser(credits: number): Promise<{ user: TestUser; cookie: string }> {
  return signedUpUser({ email: `zip-${randomUUID()}@example.test`, password: "correct-horse-battery", name: "Zip tester", credits });
}

function download(id: string, cookie?: string) {
  const request = new Request(`${origin}/api/jobs/${id}/outputs.zip`, { headers: cookie ? { cookie } : {} });
  return GET(request, { params: Promise.resolve({ id }) });
}

async function finishedJob(user: TestUser, overrides: Parameters<typeof jobRequest>[0]) {
  const { job } = await callerFor(user).jobs.create(jobRequest(overrides));
  await runJob(workerDeps(), job.id);
  return callerFor(user).jobs.get({ id: job.id });
}

describe("GET /api/jobs/[id]/outputs.zip", () => {
  it("gives the owner every delivered output (failed ones left out) and a job.json", async () => {
    const { user, cookie } = await signedInUser(50);
    const job = await finishedJob(user, { modelId: "canvas-v1", prompt: "Harbour lights #fail-output-2", outputs: 3 });
    expect(job.outputsDone).toBe(2);

    const response = await download(job.id, cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    const prefix = `creditworks-${job.id.slice(0, 8)}`;
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${prefix}-outputs.zip"`);
    expect(response.headers.get("cache-control")).toContain("no-store");

    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual([`${prefix}-output-1.svg`, `${prefix}-output-3.svg`, "job.json"]);
    const byIndex = new Map(job.outputs.map((o) => [o.index, o.content]));
    expect(strFromU8(files[`${prefix}-output-1.svg`]!)).toBe(byIndex.get(0));
    expect(strFromU8(files[`${prefix}-output-3.svg`]!)).toBe(byIndex.get(2));
    const manifest = JSON.parse(strFromU8(files["job.json"]!)) as Record<string, unknown>;
    expect(manifest).toMatchObject({ id: job.id, modelId: "canvas-v1", prompt: job.prompt, status: "COMPLETED", outputsRequested: 3 });
  });

  it("text outputs are .txt files with the generated text", async () => {
    const { user, cookie } = await signedInUser(50);
    const job = await finishedJob(user, { modelId: "storyteller-v1", prompt: "A letter from the sea", outputs: 2 });
    const files = unzipSync(new Uint8Array(await (await download(job.id, cookie)).arrayBuffer()));
    const prefix = `creditworks-${job.id.slice(0, 8)}`;
    expect(strFromU8(files[`${prefix}-output-1.txt`]!)).toBe(job.outputs[0]!.content);
    expect(strFromU8(files[`${prefix}-output-2.txt`]!)).toBe(job.outputs[1]!.content);
  });

  it("another user's job, an unknown id and a malformed id all answer 404, with no archive", async () => {
    const owner = await signedInUser(50);
    const stranger = await signedInUser(50);
    const job = await finishedJob(owner.user, { prompt: "Private diary", outputs: 1 });

    for (const [id, cookie] of [[job.id, stranger.cookie], [randomUUID(), owner.cookie], ["not-a-job", owner.cookie]] as const) {
      const response = await download(id, cookie);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({ code: "NOT_FOUND", message: "Not found." });
    }
  });

  it("without a session answers 401", async () => {
    const { user } = await signedInUser(50);
    const job = await finishedJob(user, { prompt: "Nobody's business", outputs: 1 });
    const response = await download(job.id);
    expect(response.status).toBe(401);
    expect((await response.json()) as { code: string }).toMatchObject({ code: "UNAUTHORIZED" });
  });
});
