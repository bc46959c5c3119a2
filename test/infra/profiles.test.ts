/**
 * The GPU worker's launch profiles (gpu-worker/profiles/*.env) against each other,
 * against their Dockerfiles and launch.sh's exact command lines, and against the
 * deploys that select one by GPU_PROFILE (RunPod, Modal, Kubernetes + KEDA).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  k8sDoc,
  need,
  profileEnv,
  profileNames,
  readRepoFile,
  repoPath,
  run,
  workerEnv,
} from "./repo-files";

const PROFILES = [
  "llamacpp-q4km",
  "sglang-bf16",
  "sglang-fp8",
  "vllm-gptq-int4",
];
const API_KEY = "profile-test-key-0123456789abcdef";

/** launch.sh --print-args for one profile, with nothing from this machine leaking in. */
function printArgs(
  profile: string | undefined,
  extra: Record<string, string | undefined> = {},
) {
  const result = run(
    "bash",
    [repoPath("gpu-worker", "launch.sh"), "--print-args"],
    {
      SGLANG_API_KEY: API_KEY,
      WORKER_AUTH: undefined,
      PORT: undefined,
      PORT_HEALTH: undefined,
      MODEL_DIR: undefined,
      MODEL_FILE: undefined,
      SGLANG_EXTRA_ARGS: undefined,
      ENGINE_EXTRA_ARGS: undefined,
      IMAGE_ENGINE: undefined,
      HF_HOME: undefined,
      HF_HUB_OFFLINE: undefined,
      GPU_PROFILE: profile,
      ...extra,
    },
  );
  return {
    status: result.status,
    stderr: result.stderr,
    lines: result.stdout.split("\n").filter((l) => l !== ""),
  };
}

const SGLANG_COMMON = [
  "--served-model-name",
  "Qwen/Qwen3-Embedding-4B",
  "--host",
  "0.0.0.0",
  "--port",
  "8000",
  "--is-embedding",
  "--dtype",
  "bfloat16",
];
const SGLANG_TAIL = [
  "--context-length",
  "32768",
  "--json-model-override-args",
  '{"is_matryoshka": true}',
  "--enable-metrics",
  "--mem-fraction-static",
  "0.80",
  "--max-running-requests",
  "512",
  "--chunked-prefill-size",
  "16384",
  "--max-prefill-tokens",
  "16384",
  "--api-key",
  "<redacted>",
];

/** The exact command line of every profile (ports from worker.env, key redacted). */
const EXPECTED_COMMANDS: Record<string, string[]> = {
  "sglang-bf16": [
    "python3",
    "-m",
    "sglang.launch_server",
    "--model-path",
    "Qwen/Qwen3-Embedding-4B",
    "--revision",
    "main",
    ...SGLANG_COMMON,
    ...SGLANG_TAIL,
  ],
  "sglang-fp8": [
    "python3",
    "-m",
    "sglang.launch_server",
    "--model-path",
    "Qwen/Qwen3-Embedding-4B",
    "--revision",
    "main",
    ...SGLANG_COMMON,
    "--quantization",
    "fp8",
    ...SGLANG_TAIL,
  ],
  "vllm-gptq-int4": [
    "vllm",
    "serve",
    "boboliu/Qwen3-Embedding-4B-W4A16-G128",
    "--revision",
    "main",
    "--served-model-name",
    "Qwen/Qwen3-Embedding-4B",
    "--host",
    "0.0.0.0",
    "--port",
    "8000",
    "--runner",
    "pooling",
    "--dtype",
    "bfloat16",
    "--max-model-len",
    "8192",
    "--hf-overrides",
    '{"is_matryoshka": true}',
    "--gpu-memory-utilization",
    "0.85",
    "--max-num-batched-tokens",
    "8192",
    "--max-num-seqs",
    "256",
    "--api-key",
    "<redacted>",
  ],
  "llamacpp-q4km": [
    "/app/llama-server",
    "--model",
    "/models/huggingface/hub/models--Qwen--Qwen3-Embedding-4B-GGUF/snapshots/<main>/*Q4_K_M.gguf",
    "--alias",
    "Qwen/Qwen3-Embedding-4B",
    "--host",
    "0.0.0.0",
    "--port",
    "8000",
    "--embedding",
    "--pooling",
    "last",
    "--n-gpu-layers",
    "999",
    "--ctx-size",
    "32768",
    "--parallel",
    "4",
    "--batch-size",
    "8192",
    "--ubatch-size",
    "8192",
    "--flash-attn",
    "on",
    "--metrics",
    "--api-key",
    "<redacted>",
  ],
};

const REQUIRED_KEYS = [
  "ENGINE",
  "DOCKERFILE",
  "ENGINE_IMAGE",
  "MIN_CUDA_VERSION",
  "MODEL_ID",
  "MODEL_REVISION",
  "WEIGHTS_PATTERN",
  "SERVED_MODEL_NAME",
  "EDGE_MODEL_REVISION",
  "EDGE_GPU_BATCH_MAX_TOKENS",
  "EDGE_GPU_CONTEXT_LENGTH",
  "GPU_MEMORY_GB",
  "WEIGHTS_GB",
  "RUNPOD_GPU_POOLS",
  "RUNPOD_GPU_TYPES",
  "MODAL_GPUS",
  "K8S_GPU_PRODUCTS",
  "QUEUE_METRIC",
];

describe("the profiles", () => {
  it("are exactly the four the README documents, the default among them", () => {
    expect(profileNames()).toEqual(PROFILES);
    expect(need(workerEnv(), "GPU_PROFILE")).toBe("sglang-bf16");
    const readme = readRepoFile("gpu-worker", "README.md");
    for (const name of PROFILES) expect(readme).toContain(`| \`${name}\` |`);
  });

  it("each declare every key, an engine the edge speaks and the same served model name", () => {
    for (const name of PROFILES) {
      const profile = profileEnv(name);
      for (const key of REQUIRED_KEYS)
        expect(profile[key], `${name}: ${key}`).toBeDefined();
      expect(["sglang", "vllm", "tei", "llamacpp"]).toContain(profile.ENGINE);
      expect(profile.SERVED_MODEL_NAME, name).toBe("Qwen/Qwen3-Embedding-4B");
      expect(profile.ENGINE_IMAGE, name).not.toMatch(/:latest$|^[^:]+$/);
    }
  });

  it("never share a cache namespace: vectors that differ get their own edge MODEL_REVISION", () => {
    const revisions = PROFILES.map((name) =>
      need(profileEnv(name), "EDGE_MODEL_REVISION"),
    );
    expect(new Set(revisions).size).toBe(PROFILES.length);
    expect(revisions).toEqual([
      "Qwen/Qwen3-Embedding-4B-GGUF@main+Q4_K_M",
      "Qwen/Qwen3-Embedding-4B@main",
      "Qwen/Qwen3-Embedding-4B@main+fp8",
      "boboliu/Qwen3-Embedding-4B-W4A16-G128@main",
    ]);
    for (const name of PROFILES) {
      const p = profileEnv(name);
      expect(
        need(p, "EDGE_MODEL_REVISION").startsWith(
          `${need(p, "MODEL_ID")}@${need(p, "MODEL_REVISION")}`,
        ),
      ).toBe(true);
    }
  });

  it("tell the edge a batch that is one forward pass and a context the engine accepts", () => {
    const sglang = (name: string) => {
      const p = profileEnv(name);
      expect(p.EDGE_GPU_BATCH_MAX_TOKENS).toBe(p.MAX_PREFILL_TOKENS);
      expect(p.CHUNKED_PREFILL_SIZE).toBe(p.MAX_PREFILL_TOKENS);
      expect(p.EDGE_GPU_CONTEXT_LENGTH).toBe(p.CONTEXT_LENGTH);
    };
    sglang("sglang-bf16");
    sglang("sglang-fp8");
    const vllm = profileEnv("vllm-gptq-int4");
    expect(vllm.EDGE_GPU_BATCH_MAX_TOKENS).toBe(vllm.MAX_NUM_BATCHED_TOKENS);
    expect(vllm.EDGE_GPU_CONTEXT_LENGTH).toBe(vllm.CONTEXT_LENGTH);
    // llama-server gives each slot CTX_SIZE / PARALLEL_SLOTS tokens, and a pooled input
    // must fit one micro-batch: 32768 / 4 = 8192 = UBATCH_SIZE = the edge's cap.
    const llama = profileEnv("llamacpp-q4km");
    expect(Number(llama.CTX_SIZE) / Number(llama.PARALLEL_SLOTS)).toBe(8192);
    expect(llama.UBATCH_SIZE).toBe("8192");
    expect(llama.BATCH_SIZE).toBe(llama.UBATCH_SIZE);
    expect(llama.EDGE_GPU_CONTEXT_LENGTH).toBe("8192");
    expect(llama.EDGE_GPU_BATCH_MAX_TOKENS).toBe("8192");
  });

  it("fit their cards: weights well under the card's memory", () => {
    const table = PROFILES.map((name) => {
      const p = profileEnv(name);
      return [name, Number(p.GPU_MEMORY_GB), Number(p.WEIGHTS_GB)];
    });
    expect(table).toEqual([
      ["llamacpp-q4km", 12, 2.5],
      ["sglang-bf16", 24, 8.05],
      ["sglang-fp8", 24, 4.41],
      ["vllm-gptq-int4", 12, 2.7],
    ]);
    // fp8 halves the 3.63B linear weights; the 151,669 x 2,560 table stays bf16.
    expect(Math.round((3.63e9 + 151_669 * 2560 * 2) / 1e7) / 100).toBe(4.41);
  });
});

describe("each profile's Dockerfile", () => {
  it("builds FROM the profile's exact image, for the profile's engine", () => {
    for (const name of PROFILES) {
      const p = profileEnv(name);
      const dockerfile = readRepoFile("gpu-worker", need(p, "DOCKERFILE"));
      expect(
        [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]),
        name,
      ).toEqual([p.ENGINE_IMAGE]);
      expect(dockerfile, name).toMatch(
        new RegExp(
          `^ENV GPU_PROFILE=\\$\\{GPU_PROFILE\\} IMAGE_ENGINE=${p.ENGINE}$`,
          "m",
        ),
      );
      const defaultProfile = dockerfile.match(/^ARG GPU_PROFILE=(\S+)$/m)?.[1];
      expect(profileEnv(defaultProfile!).ENGINE, name).toBe(p.ENGINE);
      expect(dockerfile).toMatch(/^COPY profiles\/ \.\/profiles\/$/m);
      expect(dockerfile).toMatch(
        /^ENTRYPOINT \["\/opt\/gpu-worker\/launch\.sh"\]$/m,
      );
    }
  });
});

describe("launch.sh per profile", () => {
  it("prints each profile's exact command line", () => {
    for (const name of PROFILES) {
      const { status, lines, stderr } = printArgs(name);
      expect(stderr, name).toBe("");
      expect(status, name).toBe(0);
      expect(lines, name).toEqual(EXPECTED_COMMANDS[name]);
    }
  });

  it("runs the default profile when GPU_PROFILE is unset", () => {
    expect(printArgs(undefined).lines).toEqual(
      EXPECTED_COMMANDS["sglang-bf16"],
    );
  });

  it("refuses an unknown profile and a profile for another engine's image", () => {
    const unknown = printArgs("sglang-int2");
    expect(unknown.status).toBe(64);
    expect(unknown.stderr).toContain(
      "GPU_PROFILE=sglang-int2: no such profile",
    );
    expect(printArgs("../worker").status).toBe(64);
    const wrong = printArgs("vllm-gptq-int4", { IMAGE_ENGINE: "sglang" });
    expect(wrong.status).toBe(64);
    expect(wrong.stderr).toContain(
      "profile vllm-gptq-int4 needs the vllm image, this is the sglang image",
    );
    expect(printArgs("vllm-gptq-int4", { IMAGE_ENGINE: "vllm" }).status).toBe(
      0,
    );
  });

  it("finds the llama.cpp profile's one GGUF in the Hugging Face cache by revision", () => {
    const home = mkdtempSync(path.join(tmpdir(), "hf-home-"));
    try {
      const repo = path.join(
        home,
        "hub",
        "models--Qwen--Qwen3-Embedding-4B-GGUF",
      );
      const snapshot = path.join(repo, "snapshots", "0123abcd");
      mkdirSync(path.join(repo, "refs"), { recursive: true });
      mkdirSync(snapshot, { recursive: true });
      writeFileSync(path.join(repo, "refs", "main"), "0123abcd");
      for (const file of [
        "Qwen3-Embedding-4B-Q4_K_M.gguf",
        "Qwen3-Embedding-4B-Q8_0.gguf",
      ]) {
        writeFileSync(path.join(snapshot, file), "");
      }
      const { status, lines } = printArgs("llamacpp-q4km", { HF_HOME: home });
      expect(status).toBe(0);
      expect(lines.slice(0, 3)).toEqual([
        "/app/llama-server",
        "--model",
        path.join(snapshot, "Qwen3-Embedding-4B-Q4_K_M.gguf"),
      ]);
      const local = printArgs("llamacpp-q4km", {
        MODEL_DIR: snapshot,
        MODEL_FILE: "Qwen3-Embedding-4B-Q8_0.gguf",
      });
      expect(local.lines.slice(0, 3)).toEqual([
        "/app/llama-server",
        "--model",
        path.join(snapshot, "Qwen3-Embedding-4B-Q8_0.gguf"),
      ]);
      expect(printArgs("llamacpp-q4km", { MODEL_DIR: snapshot }).status).toBe(
        64,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("deploys select a profile by GPU_PROFILE", () => {
  /** The three RunPod request bodies for one profile, from the script's dry run. */
  function runpodBodies(profile: string): Array<Record<string, any>> {
    const result = run(
      "bash",
      [repoPath("infra", "runpod", "create-endpoint.sh"), "--dry-run"],
      {
        GPU_PROFILE: profile,
        GPU_WORKER_IMAGE: "registry.example/qwen3-embedding-worker:0.1.0",
        RUNPOD_ENDPOINT_NAME: undefined,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    return result.stdout
      .split(/^# .*$/m)
      .map((chunk) => chunk.trim())
      .filter((chunk) => chunk !== "")
      .map((chunk) => JSON.parse(chunk) as Record<string, any>);
  }

  it("RunPod: the profile's image tag, pools, cards and CUDA floor", () => {
    const expected: Record<string, [string, string[], string]> = {
      "llamacpp-q4km": ["AMPERE_16", ["NVIDIA RTX A4000"], "12.4"],
      "sglang-bf16": [
        "ADA_24,AMPERE_24",
        ["NVIDIA L4", "NVIDIA RTX A5000"],
        "12.9",
      ],
      "sglang-fp8": ["ADA_24", ["NVIDIA L4"], "12.9"],
      "vllm-gptq-int4": ["AMPERE_16", ["NVIDIA RTX A4000"], "12.8"],
    };
    for (const name of PROFILES) {
      const [template, endpoint, patch] = runpodBodies(name);
      expect(template!.imageName).toBe(
        `registry.example/qwen3-embedding-worker:0.1.0-${name}`,
      );
      expect(template!.env.GPU_PROFILE).toBe(name);
      expect(endpoint!.variables.input.name).toBe(`qwen3-embedding-4b-${name}`);
      const [pools, types, cuda] = expected[name]!;
      expect(endpoint!.variables.input.gpuIds).toBe(pools);
      expect(patch!.gpuTypeIds).toEqual(types);
      expect(patch!.minCudaVersion).toBe(cuda);
      expect(profileEnv(name).MIN_CUDA_VERSION).toBe(cuda);
    }
    const unknown = run(
      "bash",
      [repoPath("infra", "runpod", "create-endpoint.sh"), "--dry-run"],
      {
        GPU_PROFILE: "nope",
      },
    );
    expect(unknown.status).toBe(64);
  });

  it("RunPod: an image's CUDA build matches the profile's floor where the tag says it", () => {
    for (const name of PROFILES) {
      const p = profileEnv(name);
      const cuda = need(p, "ENGINE_IMAGE").match(/-cu(\d+)(\d)\b/);
      if (cuda) expect(p.MIN_CUDA_VERSION, name).toBe(`${cuda[1]}.${cuda[2]}`);
    }
    expect(profileEnv("sglang-bf16").ENGINE_IMAGE).toMatch(/-cu129-/);
  });

  it("Modal: every profile names cards Modal rents", () => {
    const modalGpus = new Set([
      "T4",
      "L4",
      "A10",
      "A100",
      "L40S",
      "H100",
      "H200",
      "B200",
    ]);
    for (const name of PROFILES) {
      for (const gpu of need(profileEnv(name), "MODAL_GPUS").split(","))
        expect(modalGpus.has(gpu), `${name}: ${gpu}`).toBe(true);
    }
  });

  it("Kubernetes: the image tag names a profile, nodes of every profile's cards, KEDA on every engine's queue", () => {
    const tag = String(
      k8sDoc("kustomization.yaml", "Kustomization").images[0].newTag,
    );
    expect(tag).toBe("0.1.0-sglang-bf16");
    expect(PROFILES).toContain(tag.replace(/^\d+\.\d+\.\d+-/, ""));

    const pod = k8sDoc("deployment.yaml", "Deployment").spec.template.spec;
    const products =
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
        .nodeSelectorTerms[0].matchExpressions[0].values;
    const union = new Set(
      PROFILES.flatMap((name) =>
        need(profileEnv(name), "K8S_GPU_PRODUCTS").split(","),
      ),
    );
    expect([...products].sort()).toEqual([...union].sort());

    const queue = k8sDoc(
      "scaledobject.yaml",
      "ScaledObject",
    ).spec.triggers.find((t: any) => t.name === "sglang-queue");
    expect(queue.metadata.query).toBe(
      'sum(sglang:num_queue_reqs{namespace="qwen3-embeddings"})' +
        ' or sum(vllm:num_requests_waiting{namespace="qwen3-embeddings"})' +
        ' or sum(llamacpp:requests_deferred{namespace="qwen3-embeddings"})',
    );
    for (const name of PROFILES)
      expect(queue.metadata.query).toContain(
        `${need(profileEnv(name), "QUEUE_METRIC")}{`,
      );
  });
});
