// --api-key behaves as SGLang's middleware: every path but /health* needs the exact
// bearer key, and refusals are 401 {"error":"Unauthorized"} (not the ErrorResponse shape).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Standin, startStandin } from "../../gpu-worker/standin/server";
import { postJson } from "./http";

const KEY = "sk-standin-test";
let standin: Standin;

beforeAll(async () => {
  standin = await startStandin({ apiKey: KEY });
});
afterAll(() => standin.close());

const routes: [string, string][] = [
  ["POST", "/v1/embeddings"],
  ["GET", "/v1/models"],
  ["GET", "/get_model_info"],
  ["GET", "/__standin/stats"],
  ["POST", "/__standin/faults"],
  ["GET", "/no/such/route"],
];

const request = (method: string, path: string, authorization?: string) =>
  fetch(`${standin.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(authorization === undefined ? {} : { authorization }),
    },
    ...(method === "POST"
      ? {
          body: JSON.stringify(
            path === "/v1/embeddings" ? { input: "hi" } : {},
          ),
        }
      : {}),
  });

describe("api key", () => {
  it.each(routes)(
    "%s %s: 401 without a key, with a wrong key and with a non-bearer scheme",
    async (method, path) => {
      for (const authorization of [
        undefined,
        "Bearer wrong",
        `Basic ${KEY}`,
        KEY,
        `Bearer ${KEY.slice(0, -1)}`,
        `bearer ${KEY}`,
      ]) {
        const res = await request(method, path, authorization);
        expect(res.status).toBe(401);
        expect(res.headers.get("x-standin")).toBe(
          "feature-hashing; not Qwen3-Embedding-4B",
        );
        expect(await res.json()).toEqual({ error: "Unauthorized" });
      }
    },
  );

  it("lets the right key through", async () => {
    const res = await request("POST", "/v1/embeddings", `Bearer ${KEY}`);
    expect(res.status).toBe(200);
    expect((await res.json()).usage.prompt_tokens).toBe(2);
    expect((await request("GET", "/v1/models", `Bearer ${KEY}`)).status).toBe(
      200,
    );
    expect(
      (await request("GET", "/no/such/route", `Bearer ${KEY}`)).status,
    ).toBe(404);
  });

  it("leaves /health open, as SGLang does for load balancers", async () => {
    expect((await fetch(`${standin.url}/health`)).status).toBe(200);
    expect((await fetch(`${standin.url}/health_generate`)).status).toBe(200);
  });

  it("does not count refused calls in stats", async () => {
    standin.resetStats();
    await postJson(`${standin.url}/v1/embeddings`, { input: "hi" });
    expect(standin.stats().calls).toBe(0);
    await postJson(
      `${standin.url}/v1/embeddings`,
      { input: "hi" },
      { authorization: `Bearer ${KEY}` },
    );
    expect(standin.stats().calls).toBe(1);
  });
});
