/**
 * infra/debian-packages.sh, the `prestart`/`pretest` step that brings redis-server and
 * shellcheck: run by bash with a PATH of stubs, so what it asks apt-get for is recorded
 * without installing anything.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/build-worker";

const SCRIPT = path.join(REPO_ROOT, "infra/debian-packages.sh");

/** A PATH folder holding executables that append their name and arguments to `calls`. */
function stubs(
  names: string[],
  aptInstalls: boolean,
): { bin: string; calls: () => string[] } {
  const bin = mkdtempSync(path.join(tmpdir(), "deb-stubs-"));
  const log = path.join(bin, "calls.log");
  for (const name of names) {
    // The apt-get stub "installs" a package by creating a command of the same name.
    const install =
      name === "apt-get" && aptInstalls
        ? `for a in "$@"; do case "$a" in -*|install|update) ;; *) printf '#!/bin/sh\\n' > "${bin}/$a"; /bin/chmod +x "${bin}/$a";; esac; done\n`
        : "";
    writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\necho "${name} $*" >> ${log}\n${install}`,
    );
    chmodSync(path.join(bin, name), 0o755);
  }
  return {
    bin,
    calls: () =>
      existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [],
  };
}

function run(bin: string, args: string[]) {
  return spawnSync("/bin/bash", [SCRIPT, ...args], {
    env: { PATH: bin },
    encoding: "utf8",
  });
}

describe("infra/debian-packages.sh", () => {
  it("does nothing when every command is on the PATH", () => {
    const { bin, calls } = stubs(
      ["apt-get", "redis-server", "shellcheck"],
      true,
    );
    const result = run(bin, [
      "redis-server=redis-server",
      "shellcheck=shellcheck",
    ]);
    expect([result.status, result.stderr, calls()]).toEqual([0, "", []]);
  });

  it("installs only the missing packages, waiting for dpkg's lock", () => {
    const { bin, calls } = stubs(["apt-get", "redis-server"], true);
    const result = run(bin, [
      "redis-server=redis-server",
      "shellcheck=shellcheck",
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("installing Debian packages: shellcheck\n");
    expect(calls()).toEqual([
      "apt-get -qq -o DPkg::Lock::Timeout=300 update",
      "apt-get -qq -o DPkg::Lock::Timeout=300 install -y shellcheck",
    ]);
    expect(existsSync(path.join(bin, "shellcheck"))).toBe(true);
  });

  it("exits 1 naming the package when the install leaves the command missing", () => {
    const { bin } = stubs(["apt-get"], false);
    const result = run(bin, ["redis-server=redis-server"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "installing Debian packages: redis-server\n" +
        "redis-server still not on the PATH after installing redis-server: " +
        "install them with 'apt-get install redis-server'\n",
    );
  });

  it("exits 1 with the command to run by hand when there is no apt-get", () => {
    const { bin } = stubs([], false);
    const result = run(bin, [
      "redis-server=redis-server",
      "shellcheck=shellcheck",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "missing Debian packages: redis-server shellcheck; apt-get not found: " +
        "install them with 'apt-get install redis-server shellcheck'\n",
    );
  });
});
