/** Test helpers for the queue: a throwaway Debian redis-server and `flowlab worker` processes. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REDIS_SERVER = "/usr/bin/redis-server";
const ROOT = resolve(__dirname, "..");
export const FIXTURES = join(ROOT, "test", "fixtures", "lab-tasks.ts");

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

function waitFor(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((done, fail) => {
    let text = "";
    const timer = setTimeout(() => fail(new Error(`${what}: no ${pattern} in ${timeoutMs} ms; output: ${text}`)), timeoutMs);
    const on = (b: Buffer): void => {
      text += b.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on("data", on);
    child.stderr?.on("data", on);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code}) before ${pattern}: ${text}`));
    });
  });
}

export class RedisServer {
  child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), "flowlab-redis-"));
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort());
    await r.restart();
    return r;
  }
  /** Starts (again) on the same port: no persistence, so a restart loses every job. */
  async restart(): Promise<void> {
    const child = spawn(REDIS_SERVER, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    await waitFor(child, /Ready to accept connections/, "redis-server", 15_000);
  }
  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((done) => {
      c.once("exit", () => done());
      c.kill("SIGKILL");
    });
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `flowlab worker` from the sources, with the fixture tasks; `log` receives one line per computation. */
export async function startWorker(url: string, log: string, extra: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli.ts"), "worker", "--redis", url, "--concurrency", "1", "--lock-ms", "1000", ...extra], {
    cwd: ROOT,
    env: { ...process.env, FLOWLAB_TASK_MODULES: FIXTURES, FLOWLAB_TEST_TASK_LOG: log, FLOWLAB_PROGRESS: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await waitFor(child, /flowlab worker .* on redis/, "flowlab worker");
  return {
    child,
    stop: (signal: NodeJS.Signals = "SIGTERM") =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill(signal);
      }),
  };
}
