/**
 * The peer gateway of the hot-path benchmark: Portkey's open-source AI gateway
 * (npm `@portkey-ai/gateway`, pinned to 1.9.8 as a devDependency: 1.15.2 fails every
 * embeddings pass-through on Node 20), run on Node as its users run it
 * (`start-server.js --port=N --headless`, the package's `bin`). It passes
 * `/v1/embeddings` to the stand-in as an OpenAI-compatible provider through Portkey's
 * `x-portkey-provider` and `x-portkey-custom-host` headers
 * (https://portkey.ai/docs/api-reference/inference-api/headers).
 */
import path from "node:path";
import { REPO_ROOT } from "../../infra/local/build-worker";
import {
  startChild,
  waitForHttp,
  type Child,
} from "../../infra/local/children";
import { freePort } from "../../infra/local/free-port";

export interface PortkeyPeer {
  url: string;
  /** The same 1-input request the edge gets, sent through Portkey to `standinUrl`. */
  embed(input: string[]): Promise<Response>;
  child: Child;
}

export async function startPortkeyPeer(
  standinUrl: string,
): Promise<PortkeyPeer> {
  const port = await freePort();
  const script = path.join(
    REPO_ROOT,
    "node_modules/@portkey-ai/gateway/build/start-server.js",
  );
  const child = startChild(
    "portkey-1.9.8",
    process.execPath,
    [script, `--port=${port}`, "--headless"],
    { NODE_ENV: "production" },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child, 60_000);
  const headers = {
    "content-type": "application/json",
    authorization: "Bearer not-used-by-the-stand-in",
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": `${standinUrl}/v1`,
  };
  return {
    url,
    child,
    embed: (input) =>
      fetch(`${url}/v1/embeddings`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          model: "Qwen/Qwen3-Embedding-4B",
          input,
          encoding_format: "base64",
        }),
      }),
  };
}
