/**
 * `npm run admin -- <command>`: the admin CLI's entry point (see cli.ts). ADMIN_URL and
 * ADMIN_TOKEN come from the environment; `--help` lists the commands.
 */
import { runCli } from "./cli";

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
