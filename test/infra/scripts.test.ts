/**
 * Static checks on the deploy scripts: shellcheck on every shell script and
 * `python3 -m py_compile` on every Python file of gpu-worker/ and infra/ (the Modal
 * app, the readiness server, the benchmark), none of which can run here without a GPU.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { filesUnder, readRepoFile, run } from "./repo-files";

// Folders other work owns (and tests): the CPU stand-in and the local stack.
const SKIP = ["gpu-worker/standin", "infra/local"];
const shellScripts = [
  ...filesUnder("gpu-worker", ".sh", SKIP),
  ...filesUnder("infra", ".sh", SKIP),
];
const pythonFiles = [
  ...filesUnder("gpu-worker", ".py", SKIP),
  ...filesUnder("infra", ".py", SKIP),
];

describe("shell scripts", () => {
  it("exist where expected", () => {
    expect(shellScripts).toEqual(
      expect.arrayContaining([
        "gpu-worker/launch.sh",
        "infra/runpod/create-endpoint.sh",
        "infra/cloudflare/provision.sh",
      ]),
    );
  });

  it("pass shellcheck (all severities)", () => {
    const version = run("shellcheck", ["--version"]);
    if (version.error || version.status !== 0) {
      throw new Error(
        "shellcheck is not installed: run `apt-get install shellcheck` (Debian package)",
      );
    }
    const result = run("shellcheck", ["--severity=style", ...shellScripts]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("fail fast: strict mode on every script", () => {
    for (const script of shellScripts) {
      expect(readRepoFile(script), script).toMatch(
        /^#!\/usr\/bin\/env bash\n(#.*\n)*set -euo pipefail$/m,
      );
    }
  });
});

describe("python", () => {
  it("exists where expected", () => {
    expect(pythonFiles).toEqual(
      expect.arrayContaining([
        "gpu-worker/health_server.py",
        "gpu-worker/bench/embed_bench.py",
        "infra/modal/app.py",
      ]),
    );
  });

  it("compiles with python3 -m py_compile", () => {
    // Byte code goes to a temp folder so the check leaves no __pycache__ behind.
    const prefix = mkdtempSync(path.join(tmpdir(), "pycompile-"));
    try {
      for (const file of pythonFiles) {
        const result = run("python3", ["-m", "py_compile", file], {
          PYTHONPYCACHEPREFIX: prefix,
        });
        expect(result.stderr, file).toBe("");
        expect(result.status, file).toBe(0);
      }
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("the benchmark imports torch lazily: --help works without it, and it labels random weights", () => {
    const help = run("python3", ["gpu-worker/bench/embed_bench.py", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--tiny");
    expect(help.stdout).toContain("--weights");
    const tiny = run("python3", ["gpu-worker/bench/embed_bench.py", "--tiny"], {
      PYTHONPYCACHEPREFIX: tmpdir(),
    });
    const lines = tiny.stdout.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(
        /^\[RANDOM WEIGHTS, TINY config: speed is the architecture's, the vectors mean nothing\] /,
      );
  });
});
