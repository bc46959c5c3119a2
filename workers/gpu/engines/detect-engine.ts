/**
 * Which engine an endpoint runs, when GPU_WORKER_ENGINES does not say: each engine has
 * an info route the others lack, asked in this order, the first recognised answer wins:
 *
 * | engine   | route             | recognised by (source)                                  |
 * | sglang   | `/get_model_info` | `model_path` string, `is_generation` boolean            |
 * |          |                   | (python/sglang/srt/entrypoints/http_server.py)          |
 * | tei      | `/info`           | `model_type` object, `max_client_batch_size` number     |
 * |          |                   | (router/src/lib.rs `Info`, v1.9.3)                      |
 * | llamacpp | `/props`          | `default_generation_settings` or `build_info`           |
 * |          |                   | (tools/server/server.cpp `get_props`)                   |
 * | vllm     | `/v1/models`      | a model with `owned_by: "vllm"`                         |
 * |          | `/version`        | `{version: string}` (vllm/entrypoints/openai/api_server.py) |
 *
 * An endpoint that answers but matches none is taken to be the default, SGLang (kept only
 * if no route refused our credentials, since a fixed token may tell more). One that
 * cannot be reached tells us nothing: that is an endpoint-health failure for the call
 * that needed it, and the next call asks again. A known answer is kept for the life of
 * the resolver (one per isolate, built by services.ts), so detection costs a few GETs per
 * endpoint per isolate, not per request.
 */
import { endpointLabel } from "../pool-errors";
import { adapterFor } from "./engine-registry";
import {
  DEFAULT_ENGINE,
  type EngineAdapter,
  type EngineName,
} from "./engine-adapter";

/** One GET of `path` on the endpoint: its status and JSON body (undefined if not JSON). */
export type ProbeAnswer = { status: number; body: unknown };
/** Rejects when the endpoint cannot be reached (connection refused, timeout). */
export type Probe = (path: string) => Promise<ProbeAnswer>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

interface Rule {
  engine: EngineName;
  path: string;
  matches(body: Record<string, unknown>): boolean;
}

const RULES: readonly Rule[] = [
  {
    engine: "sglang",
    path: "/get_model_info",
    matches: (b) =>
      typeof b.model_path === "string" && typeof b.is_generation === "boolean",
  },
  {
    engine: "tei",
    path: "/info",
    matches: (b) =>
      isRecord(b.model_type) && typeof b.max_client_batch_size === "number",
  },
  {
    engine: "llamacpp",
    path: "/props",
    matches: (b) =>
      isRecord(b.default_generation_settings) ||
      typeof b.build_info === "string",
  },
  {
    engine: "vllm",
    path: "/v1/models",
    matches: (b) =>
      Array.isArray(b.data) &&
      b.data.some((m) => isRecord(m) && m.owned_by === "vllm"),
  },
  {
    engine: "vllm",
    path: "/version",
    matches: (b) => typeof b.version === "string",
  },
];

export interface Detection {
  engine: EngineName;
  /**
   * False when the default was taken while some route refused our credentials (401/403):
   * a fixed token may reveal another engine, so such an answer is used but not kept.
   */
  conclusive: boolean;
}

/** The engine behind `probe`'s endpoint; rejects when the endpoint cannot be reached. */
export async function detectEngine(probe: Probe): Promise<Detection> {
  let refused = false;
  for (const rule of RULES) {
    const answer = await probe(rule.path);
    if (
      answer.status === 200 &&
      isRecord(answer.body) &&
      rule.matches(answer.body)
    ) {
      return { engine: rule.engine, conclusive: true };
    }
    if (answer.status === 401 || answer.status === 403) refused = true;
  }
  return { engine: DEFAULT_ENGINE, conclusive: !refused };
}

/** Each endpoint's adapter: declared, or detected once and remembered. */
export interface EngineResolver {
  /** Rejects (with the probe's error) when detection could not reach the endpoint. */
  adapterFor(url: string, probe: Probe): Promise<EngineAdapter>;
  /** The engine known for `url` so far (declared or detected), for logs and tests. */
  known(url: string): EngineName | undefined;
}

export function createEngineResolver(
  declared: Readonly<Record<string, EngineName>> = {},
): EngineResolver {
  const detected = new Map<string, Promise<Detection>>();
  const settled = new Map<string, EngineName>();
  return {
    async adapterFor(url, probe) {
      const engine = declared[url];
      if (engine !== undefined) return adapterFor(engine);
      let pending = detected.get(url);
      if (pending === undefined) {
        pending = detectEngine(probe);
        detected.set(url, pending);
        // A failed or inconclusive detection is forgotten so the next call asks again.
        pending.then(
          ({ engine: name, conclusive }) => {
            if (!conclusive) {
              detected.delete(url);
              return;
            }
            settled.set(url, name);
            const fields = {
              component: "gpu-pool",
              event: "gpu_engine_detected",
              endpoint: endpointLabel(url),
              engine: name,
            };
            console.info(JSON.stringify(fields));
          },
          () => detected.delete(url),
        );
      }
      return adapterFor((await pending).engine);
    },
    known: (url) => declared[url] ?? settled.get(url),
  };
}
