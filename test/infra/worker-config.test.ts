/**
 * One set of flags and ports: the Dockerfile, launch.sh's command line, the RunPod
 * request bodies, the Modal app, the Kubernetes manifests and the edge's config must
 * all agree with gpu-worker/worker.env and the default launch profile (sglang-bf16,
 * gpu-worker/profiles/). test/infra/profiles.test.ts does the same for every profile.
 */
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import {
  k8sDoc,
  need,
  profileEnv,
  readRepoFile,
  repoPath,
  run,
  workerEnv,
} from "./repo-files";

const worker = workerEnv();
const DEFAULT_PROFILE = need(worker, "GPU_PROFILE");
/** worker.env with the default profile's values, as launch.sh sees them. */
const env = { ...worker, ...profileEnv(DEFAULT_PROFILE) };
const SGLANG_PORT = Number(need(env, "SGLANG_PORT"));
const HEALTH_PORT = Number(need(env, "HEALTH_PORT"));
const API_KEY = "test-key-0123456789abcdefghij";

function launchArgs(extraEnv: Record<string, string | undefined>): {
  status: number | null;
  lines: string[];
  stderr: string;
} {
  const result = run(
    "bash",
    [repoPath("gpu-worker", "launch.sh"), "--print-args"],
    {
      // A clean slate: nothing from this machine may leak into the flags.
      SGLANG_API_KEY: undefined,
      WORKER_AUTH: undefined,
      PORT: undefined,
      PORT_HEALTH: undefined,
      MODEL_DIR: undefined,
      SGLANG_EXTRA_ARGS: undefined,
      ENGINE_EXTRA_ARGS: undefined,
      GPU_PROFILE: undefined,
      IMAGE_ENGINE: undefined,
      ...extraEnv,
    },
  );
  return {
    status: result.status,
    lines: result.stdout.split("\n").filter((l) => l !== ""),
    stderr: result.stderr,
  };
}

function flagValue(lines: string[], flag: string): string | undefined {
  const at = lines.indexOf(flag);
  return at === -1 ? undefined : lines[at + 1];
}

describe("worker.env", () => {
  it("pins an exact SGLang image tag and sane ports", () => {
    expect(DEFAULT_PROFILE).toBe("sglang-bf16");
    expect(need(env, "ENGINE_IMAGE")).toMatch(
      /^lmsysorg\/sglang:v\d+\.\d+\.\d+(\.post\d+)?-cu\d+(-amd64)?$/,
    );
    expect(SGLANG_PORT).not.toBe(HEALTH_PORT);
    expect(need(env, "DTYPE")).toBe("bfloat16");
    expect(need(env, "CONTEXT_LENGTH")).toBe("32768");
  });
});

describe("Dockerfile", () => {
  const dockerfile = readRepoFile("gpu-worker", "Dockerfile");

  it("builds FROM the image worker.env pins, never latest", () => {
    const from = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(from).toEqual([need(env, "ENGINE_IMAGE")]);
    expect(dockerfile).not.toMatch(/:latest\b/);
  });

  it("exposes both ports, health-checks the readiness port and starts launch.sh", () => {
    const exposed = (dockerfile.match(/^EXPOSE\s+(.+)$/m)?.[1] ?? "")
      .split(/\s+/)
      .map(Number);
    expect(exposed.sort()).toEqual([SGLANG_PORT, HEALTH_PORT].sort());
    expect(dockerfile).toContain(`http://127.0.0.1:${HEALTH_PORT}/ready`);
    expect(dockerfile).toMatch(
      /^ENTRYPOINT \["\/opt\/gpu-worker\/launch\.sh"\]$/m,
    );
    expect(dockerfile).toMatch(
      /^COPY worker\.env launch\.sh health_server\.py \.\/$/m,
    );
    expect(dockerfile).toMatch(/^COPY profiles\/ \.\/profiles\/$/m);
    expect(dockerfile).toMatch(/^ARG GPU_PROFILE=sglang-bf16$/m);
    expect(dockerfile).toMatch(
      /^ENV GPU_PROFILE=\$\{GPU_PROFILE\} IMAGE_ENGINE=sglang$/m,
    );
  });
});

describe("launch.sh", () => {
  it("starts SGLang with every required flag, values from worker.env", () => {
    const { status, lines } = launchArgs({ SGLANG_API_KEY: API_KEY });
    expect(status).toBe(0);
    expect(lines.slice(0, 3)).toEqual([
      "python3",
      "-m",
      "sglang.launch_server",
    ]);
    expect(lines).not.toContain("--quantization");
    for (const flag of ["--is-embedding", "--enable-metrics"])
      expect(lines).toContain(flag);
    expect(flagValue(lines, "--model-path")).toBe(need(env, "MODEL_ID"));
    expect(flagValue(lines, "--revision")).toBe(need(env, "MODEL_REVISION"));
    expect(flagValue(lines, "--served-model-name")).toBe(
      need(env, "SERVED_MODEL_NAME"),
    );
    expect(flagValue(lines, "--host")).toBe("0.0.0.0");
    expect(flagValue(lines, "--port")).toBe(String(SGLANG_PORT));
    expect(flagValue(lines, "--dtype")).toBe("bfloat16");
    expect(flagValue(lines, "--context-length")).toBe(
      need(env, "CONTEXT_LENGTH"),
    );
    expect(
      JSON.parse(flagValue(lines, "--json-model-override-args") ?? "null"),
    ).toEqual({ is_matryoshka: true });
    expect(flagValue(lines, "--mem-fraction-static")).toBe(
      need(env, "MEM_FRACTION_STATIC"),
    );
    expect(flagValue(lines, "--max-running-requests")).toBe(
      need(env, "MAX_RUNNING_REQUESTS"),
    );
    expect(flagValue(lines, "--chunked-prefill-size")).toBe(
      need(env, "CHUNKED_PREFILL_SIZE"),
    );
    expect(flagValue(lines, "--max-prefill-tokens")).toBe(
      need(env, "MAX_PREFILL_TOKENS"),
    );
  });

  it("guards the port with the API key and never prints it", () => {
    const { lines } = launchArgs({ SGLANG_API_KEY: API_KEY });
    expect(flagValue(lines, "--api-key")).toBe("<redacted>");
    expect(lines.join("\n")).not.toContain(API_KEY);
  });

  it("refuses to start without a key unless the platform authenticates", () => {
    const missing = launchArgs({});
    expect(missing.status).toBe(64);
    expect(missing.stderr).toContain("SGLANG_API_KEY is empty");
    expect(launchArgs({ SGLANG_API_KEY: "short" }).status).toBe(64);

    const platform = launchArgs({ WORKER_AUTH: "platform" });
    expect(platform.status).toBe(0);
    expect(platform.lines).not.toContain("--api-key");
    expect(launchArgs({ WORKER_AUTH: "none" }).status).toBe(64);
  });

  it("lets the environment override worker.env, including RunPod's PORT", () => {
    const { lines } = launchArgs({
      SGLANG_API_KEY: API_KEY,
      PORT: "9100",
      PORT_HEALTH: "9101",
      CONTEXT_LENGTH: "8192",
    });
    expect(flagValue(lines, "--port")).toBe("9100");
    expect(flagValue(lines, "--context-length")).toBe("8192");
    expect(
      launchArgs({ SGLANG_API_KEY: API_KEY, PORT: "9100", PORT_HEALTH: "9100" })
        .status,
    ).toBe(64);
  });
});

describe("RunPod endpoint", () => {
  const result = run("bash", [
    repoPath("infra", "runpod", "create-endpoint.sh"),
    "--dry-run",
  ]);
  const bodies = result.stdout
    .split(/^# .*$/m)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk !== "")
    .map((chunk) => JSON.parse(chunk) as Record<string, any>);

  it("prints the three request bodies without calling anything", () => {
    expect(result.status).toBe(0);
    expect(bodies).toHaveLength(3);
  });

  it("routes traffic and health checks to worker.env's ports", () => {
    const template = bodies[0]!;
    expect(template.env.PORT).toBe(String(SGLANG_PORT));
    expect(template.env.PORT_HEALTH).toBe(String(HEALTH_PORT));
    expect(template.ports).toEqual([
      `${SGLANG_PORT}/http`,
      `${HEALTH_PORT}/http`,
    ]);
    expect(template.isServerless).toBe(true);
    expect(template.env.WORKER_AUTH).toBe("platform");
    expect(template.env.HF_HOME).toMatch(/^\/runpod-volume\//);
    expect(template.env.GPU_PROFILE).toBe(DEFAULT_PROFILE);
    expect(template.imageName).toBe(`<GPU_WORKER_IMAGE>-${DEFAULT_PROFILE}`);
  });

  it("is a load-balancing endpoint on L4 first, scaling to zero, FlashBoot on", () => {
    const endpoint = bodies[1]!.variables.input;
    expect(endpoint.type).toBe("LB");
    expect(endpoint.workersMin).toBe(0);
    expect(endpoint.workersMax).toBeGreaterThan(0);
    const patch = bodies[2]!;
    expect(patch.gpuTypeIds[0]).toBe("NVIDIA L4");
    expect(patch.flashboot).toBe(true);
    // The image's CUDA build and the minimum driver CUDA version must match.
    const cuda = need(env, "ENGINE_IMAGE").match(/-cu(\d+)(\d)\b/);
    expect(cuda).not.toBeNull();
    expect(patch.minCudaVersion).toBe(`${cuda![1]}.${cuda![2]}`);
    expect(patch.minCudaVersion).toBe(need(env, "MIN_CUDA_VERSION"));
  });
});

describe("Modal app", () => {
  const app = readRepoFile("infra", "modal", "app.py");

  it("takes ports from worker.env rather than repeating them", () => {
    expect(app).toContain('SGLANG_PORT = int(WORKER["SGLANG_PORT"])');
    expect(app).toContain('HEALTH_PORT = int(WORKER["HEALTH_PORT"])');
    expect(app).not.toMatch(
      new RegExp(`\\b(${SGLANG_PORT}|${HEALTH_PORT})\\b`),
    );
    expect(app).toMatch(/@modal\.web_server\(port=SGLANG_PORT,/);
  });

  it("runs the profile's image on its cards (L4 then A10), with proxy auth and the weights volume under HF_HOME", () => {
    expect(app).toMatch(
      /modal\.Image\.from_dockerfile\(\s*str\(GPU_WORKER_DIR \/ PROFILE\["DOCKERFILE"\]\)/,
    );
    expect(app).toContain(
      'PROFILE_NAME = os.environ.get("GPU_PROFILE", WORKER["GPU_PROFILE"])',
    );
    expect(app).toContain('.env({"GPU_PROFILE": PROFILE_NAME})');
    expect(app).toContain('GPU_TYPES = PROFILE["MODAL_GPUS"].split(",")');
    expect(need(env, "MODAL_GPUS")).toBe("L4,A10");
    expect(app).toContain("requires_proxy_auth=True");
    const mount = app.match(/WEIGHTS_MOUNT = "([^"]+)"/)?.[1];
    expect(mount).toBeDefined();
    expect(need(env, "HF_HOME").startsWith(`${mount}/`)).toBe(true);
    for (const knob of [
      "min_containers=MIN_CONTAINERS",
      "scaledown_window=SCALEDOWN_WINDOW_S",
      "target_inputs=TARGET_INPUTS",
    ]) {
      expect(app).toContain(knob);
    }
  });
});

describe("Kubernetes manifests", () => {
  const deployment = k8sDoc("deployment.yaml", "Deployment");
  const container = deployment.spec.template.spec.containers[0];
  const envValue = (name: string): string | undefined =>
    container.env.find((e: any) => e.name === name)?.value;

  it("listen on worker.env's ports and probe the readiness server", () => {
    const ports = Object.fromEntries(
      container.ports.map((p: any) => [p.name, p.containerPort]),
    );
    expect(ports).toEqual({ http: SGLANG_PORT, health: HEALTH_PORT });
    expect(envValue("SGLANG_PORT")).toBe(String(SGLANG_PORT));
    expect(envValue("HEALTH_PORT")).toBe(String(HEALTH_PORT));
    expect(envValue("HF_HOME")).toBe(need(env, "HF_HOME"));
    expect(
      deployment.spec.template.metadata.annotations["prometheus.io/port"],
    ).toBe(String(SGLANG_PORT));
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      expect(container[probe].httpGet.port).toBe("health");
    }
  });

  it("route to and download the same model and ports", () => {
    const service = k8sDoc("service.yaml", "Service");
    expect(
      Object.fromEntries(service.spec.ports.map((p: any) => [p.name, p.port])),
    ).toEqual({ http: SGLANG_PORT, health: HEALTH_PORT });
    const route = k8sDoc("httproute.yaml", "HTTPRoute");
    expect(route.spec.rules[0].backendRefs[0].port).toBe(SGLANG_PORT);
    const pod = k8sDoc("weights-job.yaml", "Job").spec.template.spec;
    const job = pod.containers[0];
    const jobEnv = Object.fromEntries(
      job.env.map((e: any) => [e.name, e.value]),
    );
    expect(jobEnv).toEqual({ HF_HOME: need(env, "HF_HOME") });
    // The model comes from the profile baked into the worker image, copied out first.
    expect(pod.initContainers[0].image).toBe("qwen3-embedding-worker");
    expect(pod.initContainers[0].command).toEqual([
      "sh",
      "-c",
      'cp "/opt/gpu-worker/profiles/$GPU_PROFILE.env" /profile/profile.env',
    ]);
    expect(job.command[2]).toContain('open("/profile/profile.env")');
    const reads = [
      'profile["MODEL_ID"]',
      'profile["MODEL_REVISION"]',
      'profile.get("WEIGHTS_PATTERN")',
    ];
    for (const read of reads) {
      expect(job.command[2]).toContain(read);
    }
  });
});

describe("the edge's config", () => {
  it("names the revision the worker serves and batches as SGLang prefills", () => {
    for (const environment of [undefined, "staging", "production"]) {
      const config = unstable_readConfig({
        config: repoPath("wrangler.toml"),
        env: environment,
      });
      expect(config.vars.MODEL_REVISION).toBe(
        `${need(env, "MODEL_ID")}@${need(env, "MODEL_REVISION")}`,
      );
      expect(config.vars.MODEL_REVISION).toBe(need(env, "EDGE_MODEL_REVISION"));
      expect(config.vars.GPU_BATCH_MAX_TOKENS).toBe(
        need(env, "MAX_PREFILL_TOKENS"),
      );
      expect(config.vars.GPU_BATCH_MAX_TOKENS).toBe(
        need(env, "EDGE_GPU_BATCH_MAX_TOKENS"),
      );
      expect(config.vars.GPU_CONTEXT_LENGTH).toBe(
        need(env, "EDGE_GPU_CONTEXT_LENGTH"),
      );
    }
  });
});
