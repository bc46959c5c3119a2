/**
 * Run by `npm test` after vitest: every line any Worker logged during the whole run
 * (collected by test/support/edge.ts) is checked for secrets. Every API key the tests
 * create has the key shape, every webhook signing secret the whsec_ shape; every admin
 * or Upstash token they use has "admin-token" or
 * "bridge-token" in its name. A leak fails the test command (vitest ignores errors
 * thrown in a global teardown, so this is its own step).
 */
import { existsSync, readFileSync } from "node:fs";
import { WORKER_LOG } from "./global-setup";

export const SECRET_PATTERN =
  /sk_(live|test)_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}|admin-token|bridge-token|whsec_[A-Za-z0-9+/]{43}=/;

if (!existsSync(WORKER_LOG)) {
  console.error(`no Worker log at ${WORKER_LOG}: run the tests first`);
  process.exit(1);
}
const lines = readFileSync(WORKER_LOG, "utf8")
  .split("\n")
  .filter((line) => line.length > 0);
const leaks = lines.filter((line) => SECRET_PATTERN.test(line));
if (leaks.length > 0) {
  console.error(
    `secrets in ${leaks.length} Worker log line(s):\n${leaks.slice(0, 5).join("\n")}`,
  );
  process.exit(1);
}
console.log(
  `checked ${lines.length} Worker log lines from the whole test run: no API key or token`,
);
