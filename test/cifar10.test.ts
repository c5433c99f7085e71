import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { CIFAR10_FEATURES, CIFAR10_URL_ENV, cifar10Available, cifar10Url, ensureCifar10, extractTarGz, loadCifar10 } from "../src/data/cifar10";
import { featureStats } from "../src/data/standardize";
import { setProgressSink, type ProgressEvent } from "../src/progress";
import { assertClose } from "./helpers";

const tmp = mkdtempSync(join(tmpdir(), "flowlab-cifar-"));
const URL_ = "http://cifar.invalid/files/cifar-10-binary.tar.gz";

/** Deterministic pixel byte of record r of file f at position j. */
const pixel = (f: number, r: number, j: number): number => (f * 37 + r * 11 + j * 7) % 256;
/** Labels of each file: train files hold 4 records, the test file 3. */
const LABELS: Record<string, number[]> = {
  "data_batch_1.bin": [3, 1, 3, 0],
  "data_batch_2.bin": [1, 9, 3, 1],
  "data_batch_3.bin": [0, 0, 2, 5],
  "data_batch_4.bin": [6, 7, 8, 4],
  "data_batch_5.bin": [3, 3, 1, 2],
  "test_batch.bin": [9, 1, 3],
};
const FILES = Object.keys(LABELS);

function batchBytes(file: string): Buffer {
  const f = FILES.indexOf(file);
  const labels = LABELS[file];
  const buf = Buffer.alloc(labels.length * (1 + CIFAR10_FEATURES));
  labels.forEach((label, r) => {
    const o = r * (1 + CIFAR10_FEATURES);
    buf[o] = label;
    for (let j = 0; j < CIFAR10_FEATURES; j++) buf[o + 1 + j] = pixel(f, r, j);
  });
  return buf;
}

/** A minimal ustar archive writer, independent of the reader under test. */
function tar(entries: { name: string; body?: Buffer; type?: "0" | "5" }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body ?? Buffer.alloc(0);
    const h = Buffer.alloc(512);
    h.write(e.name, 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(body.length.toString(8).padStart(11, "0") + "\0", 124);
    h.write("00000000000\0", 136);
    h.write(e.type ?? "0", 156);
    h.write("ustar\0" + "00", 257);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const archive = gzipSync(
  tar([
    { name: "cifar-10-batches-bin/", type: "5" },
    ...FILES.map((f) => ({ name: `cifar-10-batches-bin/${f}`, body: batchBytes(f) })),
    { name: "cifar-10-batches-bin/batches.meta.txt", body: Buffer.from("airplane\nautomobile\n") },
  ]),
);
const md5 = createHash("md5").update(archive).digest("hex");

let fetches = 0;
const serve = async (url: string): Promise<Response> => {
  assert.equal(url, URL_);
  fetches++;
  return new Response(archive, { headers: { "content-length": String(archive.length) } });
};
const offline = async (): Promise<Response> => {
  throw new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND cifar.invalid") });
};

const events: ProgressEvent[] = [];
let server: Server;
before(() => setProgressSink((e) => events.push(e)));
after(() => {
  setProgressSink(null);
  server?.closeAllConnections();
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test("downloads, verifies, extracts, caches; loads first n across batch files", async () => {
  const dir = join(tmp, "ok");
  const batches = await ensureCifar10({ dir, url: URL_, md5, fetchImpl: serve });
  assert.equal(batches, join(dir, "cifar-10-batches-bin"));
  assert.deepEqual(readdirSync(dir).sort(), ["cifar-10-batches-bin", "cifar-10-binary.tar.gz"], "no .part or staging leftovers");
  assert.ok(events.some((e) => e.finished && e.label.includes("CIFAR-10")), "progress reported");
  assert.ok(cifar10Available(dir));
  // Cached: a second call neither downloads nor needs the network.
  assert.equal(await ensureCifar10({ dir, url: URL_, md5, fetchImpl: offline }), batches);
  assert.equal(fetches, 1);

  const ds = loadCifar10({ dir, n: 6 });
  assert.deepEqual([ds.n, ds.d, ds.c], [6, 3072, 10]);
  assert.deepEqual(Array.from(ds.labels), [3, 1, 3, 0, 1, 9]);
  for (const [i, f, r] of [[0, 0, 0], [5, 1, 1]]) {
    for (const j of [0, 1, 1023, 1024, 3071]) assertClose(ds.X[i * 3072 + j], pixel(f, r, j) / 255, 0, 1e-7, `pixel ${i},${j}`);
    assert.equal(ds.Y[i * 10 + ds.labels[i]], 1);
    assert.equal(ds.Y.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b), 1);
  }
  const test_ = loadCifar10({ dir: batches, split: "test" });
  assert.deepEqual(Array.from(test_.labels), [9, 1, 3]);
  assertClose(test_.X[3072 + 5], pixel(5, 1, 5) / 255, 0, 1e-7, "test pixel");
});

test("class subsets are renumbered; standardize uses full-train statistics", async () => {
  const dir = join(tmp, "ok");
  const sub = loadCifar10({ dir, classes: [3, 1], perClass: 3 });
  assert.deepEqual(sub.classes, [3, 1]);
  assert.equal(sub.c, 2);
  assert.deepEqual(Array.from(sub.labels), [0, 1, 0, 1, 0, 1]); // file order: 3,1,3,(0),1,(9),3 → stop at 3 of each
  assert.deepEqual(Array.from(loadCifar10({ dir, classes: [0], n: 3 }).labels), [0, 0, 0]);
  assert.throws(() => loadCifar10({ dir, classes: [2], perClass: 3 }), /asked for 3 examples of classes \[2\].*found 2/);
  assert.throws(() => loadCifar10({ dir, classes: [1, 1] }), /distinct integers/);

  const all = loadCifar10({ dir });
  assert.equal(all.n, 20);
  const ref = featureStats(all.X, all.n, all.d);
  const std = loadCifar10({ dir, split: "test", standardize: true });
  assert.ok(std.stats);
  for (const j of [0, 100, 3071]) {
    assertClose(std.stats.mean[j], ref.mean[j], 1e-6, 1e-9, `mean ${j}`);
    assertClose(std.stats.std[j], ref.std[j], 1e-5, 1e-9, `std ${j}`);
    assertClose(std.X[j], (pixel(5, 0, j) / 255 - ref.mean[j]) / ref.std[j], 1e-4, 1e-5, `standardized test pixel ${j}`);
  }
  assert.throws(() => loadCifar10({ dir: join(tmp, "nothing-here") }), /not found under .*ensureCifar10/);
});

test("a wrong checksum is rejected and nothing is kept", async () => {
  const dir = join(tmp, "bad-md5");
  await assert.rejects(ensureCifar10({ dir, url: URL_, md5: "0".repeat(32), fetchImpl: serve }), (e: Error) => {
    assert.match(e.message, new RegExp(`has md5 ${md5}, expected 0{32}`));
    return true;
  });
  assert.deepEqual(readdirSync(dir), [], "no archive, .part or batches left");
  // A corrupt archive placed by hand is refused too.
  writeFileSync(join(dir, "cifar-10-binary.tar.gz"), archive.subarray(0, 100));
  await assert.rejects(ensureCifar10({ dir, url: URL_, md5, fetchImpl: offline }), /cifar-10-binary\.tar\.gz has md5 .* Delete it/);
});

test("an unreachable URL says what to do; a hand-downloaded archive is used offline", async () => {
  const dir = join(tmp, "offline");
  await assert.rejects(ensureCifar10({ dir, url: URL_, md5, fetchImpl: offline }), (e: Error) => {
    assert.match(e.message, /the URL http:\/\/cifar\.invalid\/files\/cifar-10-binary\.tar\.gz could not be reached: fetch failed \(getaddrinfo ENOTFOUND/);
    assert.ok(e.message.includes(join(dir, "cifar-10-binary.tar.gz")), "names where to put the file");
    assert.match(e.message, /MNIST/);
    return true;
  });
  writeFileSync(join(dir, "cifar-10-binary.tar.gz"), archive);
  const batches = await ensureCifar10({ dir, url: URL_, md5, fetchImpl: offline });
  assert.equal(loadCifar10({ dir: batches }).n, 20);
});

test("real fetch against a loopback server: success and HTTP 404", async () => {
  server = createServer((req, res) => {
    if (req.url === "/cifar-10-binary.tar.gz") {
      res.writeHead(200, { "content-length": archive.length });
      res.end(archive);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = join(tmp, "http");
  await assert.rejects(ensureCifar10({ dir, url: `${base}/missing.tar.gz`, md5 }), /could not be reached: HTTP 404/);
  assert.equal(loadCifar10({ dir: await ensureCifar10({ dir, url: `${base}/cifar-10-binary.tar.gz`, md5 }), n: 2 }).n, 2);
});

test("the tar reader refuses path traversal and reports corrupt input with the file name", async () => {
  const dir = join(tmp, "evil");
  mkdirSync(dir);
  const evil = join(dir, "evil.tar.gz");
  writeFileSync(evil, gzipSync(tar([{ name: "../escape.txt", body: Buffer.from("x") }])));
  await assert.rejects(extractTarGz(evil, join(dir, "out")), /evil\.tar\.gz: refusing to extract unsafe path "\.\.\/escape\.txt"/);
  assert.ok(!existsSync(join(dir, "escape.txt")));
  writeFileSync(evil, Buffer.from("not gzip at all"));
  await assert.rejects(extractTarGz(evil, join(dir, "out")), /evil\.tar\.gz: cannot extract/);
});

// ---------------------------------------------------------------------------------------------------------
// Faults of the network (issue 16): every server is on 127.0.0.1; nothing else is contacted.

/** A loopback server running `handler`, closed (with its connections) by the returned function. */
async function loopback(handler: (socket: Socket) => void): Promise<{ base: string; close: () => void }> {
  const srv = createNetServer(handler);
  const sockets = new Set<Socket>();
  srv.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}

/** Raw HTTP headers for the archive, then `bytes` of its body. */
const head = (): string => `HTTP/1.1 200 OK\r\ncontent-length: ${archive.length}\r\ncontent-type: application/gzip\r\n\r\n`;

test("a server that accepts and never answers: connect timeout, named as such", async () => {
  const s = await loopback(() => undefined);
  const dir = join(tmp, "silent");
  try {
    const t0 = Date.now();
    await assert.rejects(ensureCifar10({ dir, url: `${s.base}/cifar-10-binary.tar.gz`, md5, connectTimeoutMs: 300 }), (e: Error) => {
      assert.match(e.message, /could not be reached: no response within 0\.3 s \(connect timeout\)/);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, "gave up long before undici's 300 s headers timeout");
    assert.deepEqual(readdirSync(dir), [], "no .part left");
  } finally {
    s.close();
  }
});

test("a server that stalls mid-body: idle timeout, 'interrupted after N MB'", async () => {
  const half = Math.floor(archive.length / 2);
  const s = await loopback((socket) => socket.once("data", () => socket.write(Buffer.concat([Buffer.from(head()), archive.subarray(0, half)]))));
  const dir = join(tmp, "stall");
  try {
    await assert.rejects(ensureCifar10({ dir, url: `${s.base}/cifar-10-binary.tar.gz`, md5, idleTimeoutMs: 300 }), (e: Error) => {
      assert.match(e.message, /the download from http:\/\/127\.0\.0\.1:\d+\/cifar-10-binary\.tar\.gz was interrupted after [\d.]+ [kM]B of [\d.]+ [kM]B: no data for 0\.3 s \(idle timeout\)/);
      assert.doesNotMatch(e.message, /could not be reached/);
      return true;
    });
    assert.deepEqual(readdirSync(dir), [], "no .part left");
  } finally {
    s.close();
  }
});

test("a server that closes mid-body: 'interrupted', not 'could not be reached'", async () => {
  const half = Math.floor(archive.length / 2);
  const s = await loopback((socket) =>
    socket.once("data", () => socket.write(Buffer.concat([Buffer.from(head()), archive.subarray(0, half)]), () => setTimeout(() => socket.destroy(), 20))),
  );
  const dir = join(tmp, "cut");
  try {
    await assert.rejects(ensureCifar10({ dir, url: `${s.base}/cifar-10-binary.tar.gz`, md5 }), (e: Error) => {
      assert.match(e.message, /was interrupted after [\d.]+ [kM]B of [\d.]+ [kM]B: /);
      assert.doesNotMatch(e.message, /could not be reached/);
      return true;
    });
    assert.deepEqual(readdirSync(dir), [], "no .part left");
  } finally {
    s.close();
  }
});

test("mirror override: $FLOWLAB_CIFAR10_URL and the url option, validated", async () => {
  const s = await loopback((socket) => socket.once("data", () => socket.end(Buffer.concat([Buffer.from(head()), archive]))));
  const saved = process.env[CIFAR10_URL_ENV];
  try {
    process.env[CIFAR10_URL_ENV] = `${s.base}/mirror/cifar-10-binary.tar.gz`;
    assert.deepEqual(cifar10Url(), { url: `${s.base}/mirror/cifar-10-binary.tar.gz`, source: "$FLOWLAB_CIFAR10_URL" });
    const batches = await ensureCifar10({ dir: join(tmp, "mirror"), md5 });
    assert.equal(loadCifar10({ dir: batches, n: 2 }).n, 2);
    process.env[CIFAR10_URL_ENV] = "not a url";
    await assert.rejects(ensureCifar10({ dir: join(tmp, "bad-env"), md5 }), /CIFAR-10: \$FLOWLAB_CIFAR10_URL "not a url" is not a valid URL; expected http\(s\):\/\//);
    // The option wins over the environment, and is named as the caller says (the CLI passes "--url").
    await assert.rejects(ensureCifar10({ dir: join(tmp, "bad-opt"), md5, url: "ftp://127.0.0.1/x.tar.gz", urlSource: "--url" }), /CIFAR-10: --url "ftp:\/\/127\.0\.0\.1\/x\.tar\.gz" must be an http:\/\/ or https:\/\/ URL/);
    await assert.rejects(ensureCifar10({ dir: join(tmp, "bad-opt"), md5, url: "::" }), /the url option "::" is not a valid URL/);
    await assert.rejects(ensureCifar10({ dir: join(tmp, "bad-opt"), md5, url: `${s.base}/x`, idleTimeoutMs: 0 }), /idleTimeoutMs must be a positive number of milliseconds; got 0/);
  } finally {
    if (saved === undefined) delete process.env[CIFAR10_URL_ENV];
    else process.env[CIFAR10_URL_ENV] = saved;
    s.close();
  }
});
