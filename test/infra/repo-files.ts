/**
 * Reads the deploy files these tests compare: gpu-worker/worker.env (the one source of
 * truth for image, model, ports and launch defaults) and the files that must agree
 * with it, plus a helper to run the repo's scripts.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const REPO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);

export function repoPath(...parts: string[]): string {
  return path.join(REPO, ...parts);
}

export function readRepoFile(...parts: string[]): string {
  return readFileSync(repoPath(...parts), "utf8");
}

/** KEY=VALUE lines of a gpu-worker file, comments and blanks skipped. */
function keyValues(...parts: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readRepoFile(...parts).split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`${parts.join("/")}: not KEY=VALUE: ${line}`);
    env[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return env;
}

/** KEY=VALUE lines of gpu-worker/worker.env (ports, HF_HOME, the default GPU_PROFILE). */
export function workerEnv(): Record<string, string> {
  return keyValues("gpu-worker", "worker.env");
}

/** Names of the launch profiles, gpu-worker/profiles/<name>.env, sorted. */
export function profileNames(): string[] {
  return readdirSync(repoPath("gpu-worker", "profiles"))
    .filter((name) => name.endsWith(".env"))
    .map((name) => name.slice(0, -".env".length))
    .sort();
}

/** KEY=VALUE lines of one launch profile. */
export function profileEnv(name: string): Record<string, string> {
  return keyValues("gpu-worker", "profiles", `${name}.env`);
}

/** The value of `key`; throws when absent, naming it. */
export function need(env: Record<string, string>, key: string): string {
  const value = env[key];
  if (value === undefined) throw new Error(`no ${key} in this env file`);
  return value;
}

/** Every YAML document of a file under infra/k8s, as plain objects. */
export function k8sDocs(file: string): Array<Record<string, any>> {
  const docs = parseAllDocuments(readRepoFile("infra", "k8s", file));
  return docs.map((doc) => {
    if (doc.errors.length > 0)
      throw new Error(
        `${file}: ${doc.errors.map((e) => e.message).join("; ")}`,
      );
    return doc.toJS() as Record<string, any>;
  });
}

export function k8sDoc(file: string, kind: string): Record<string, any> {
  const found = k8sDocs(file).filter((doc) => doc.kind === kind);
  if (found.length !== 1)
    throw new Error(`${file}: expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

export function run(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

/** Files under `dir` (repo-relative) whose names end with `suffix`, skipping `skip` folders. */
export function filesUnder(
  dir: string,
  suffix: string,
  skip: string[] = [],
): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(repoPath(rel))) {
      const child = path.join(rel, name);
      if (
        skip.includes(child) ||
        name === "node_modules" ||
        name === "__pycache__"
      )
        continue;
      if (statSync(repoPath(child)).isDirectory()) walk(child);
      else if (name.endsWith(suffix)) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}
