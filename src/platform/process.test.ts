import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const child = path.join(root, "test/fixtures/process-handlers.child.ts");

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", child, ...args], { cwd: root, encoding: "utf8", timeout: 20_000 });
  const lines = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string; requestId?: string; err?: { message: string } });
  return { status: r.status, lines, stderr: r.stderr };
}

describe("process-level handlers", () => {
  it("log one error line per lost rejection or exception, with the request id, and keep serving", () => {
    const { status, lines, stderr } = run();
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => [l.requestId, l.err?.message, l.msg])).toEqual([
      ["abcd1234", "a promise nobody awaited", "unhandled promise rejection: logged, still serving"],
      ["feedbeef", "thrown in a timer", "uncaught exception: logged, still serving"],
      [undefined, "non-error value: not even an Error", "unhandled promise rejection: logged, still serving"],
    ]);
    expect(lines.at(-1)!.msg).toBe("still serving");
  });

  it("stop the process cleanly, exit code 1, when it is unsound (out of file descriptors)", () => {
    const { status, lines } = run("fatal");
    expect(status).toBe(1);
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toContain("still serving");
    expect(msgs).toContain("uncaught exception: the process is unsound and stops");
    // stop() ran before the exit. Its line is written synchronously and the logger's lines
    // asynchronously, so their order on stdout is not what this checks.
    expect(msgs).toContain("stopped");
    expect(msgs).not.toContain("should not get here");
  });
});
