/**
 * `flowlab data`, in process: the listing, --check, bad names and URLs, and `data cifar10` downloading a small
 * stand-in archive through ensureCifar10 (progress events, md5 check, extraction), then finding it in place.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/data";
import { UsageError } from "../src/cli/args";
import { CIFAR10_BATCHES, cifar10Available } from "../src/data/cifar10";
import { setProgressSink, type ProgressEvent } from "../src/progress";
import { flowlab } from "./cli-helpers";

/** A cifar-10-binary.tar.gz stand-in: every batch file with `records` records (label, 3072 pixel bytes). */
function fakeArchive(dir: string, records = 2): Buffer {
  const src = join(dir, "src", CIFAR10_BATCHES);
  mkdirSync(src, { recursive: true });
  const files = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat("test_batch.bin");
  for (const [k, f] of files.entries()) {
    const buf = Buffer.alloc(records * 3073, k);
    for (let r = 0; r < records; r++) buf[r * 3073] = r % 10;
    writeFileSync(join(src, f), buf);
  }
  const archive = join(dir, "fake.tar.gz");
  const r = spawnSync("tar", ["czf", archive, "-C", join(dir, "src"), CIFAR10_BATCHES]);
  assert.equal(r.status, 0, String(r.stderr));
  return readFileSync(archive);
}

async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const { log } = console;
  console.log = () => undefined;
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

test("flowlab data cifar10: downloads through ensureCifar10 with progress and md5, then finds it in place", async () => {
  const root = mkdtempSync(join(tmpdir(), "flowlab-data-"));
  const events: ProgressEvent[] = [];
  setProgressSink((e) => events.push(e));
  try {
    const body = fakeArchive(root);
    const md5 = createHash("md5").update(body).digest("hex");
    const dir = join(root, "cache");
    const urls: string[] = [];
    const fetchImpl = async (url: string): Promise<Response> => {
      urls.push(url);
      return new Response(body, { headers: { "content-length": String(body.length) } });
    };
    assert.equal(await quiet(() => main(["cifar10", "--dir", dir, "--check"])), 1, "--check before the download: not here");
    assert.equal(await quiet(() => main(["cifar10", "--dir", dir, "--url", "http://mirror.test/cifar-10-binary.tar.gz"], { fetchImpl, md5 })), 0);
    assert.deepEqual(urls, ["http://mirror.test/cifar-10-binary.tar.gz"], "--url is the URL fetched");
    assert.ok(cifar10Available(dir));
    assert.ok(events.some((e) => e.label.startsWith("CIFAR-10 download") && e.finished && /md5 ok/.test(e.info ?? "")), "a progress bar that ends with the md5 check");
    // Second time: nothing fetched.
    const again = await flowlab("data", "cifar10", "--dir", dir);
    assert.equal(again.code, 0);
    assert.match(again.out, /CIFAR-10 is here: .* \(nothing downloaded\)/);
    assert.equal(urls.length, 1);
    assert.equal((await flowlab("data", "cifar10", "--dir", dir, "--check")).code, 0);
    const listing = await flowlab("data", "--dir", dir);
    assert.match(listing.out, /^cifar10 +here/m);
  } finally {
    setProgressSink(null);
    rmSync(root, { recursive: true, force: true });
  }
});

test("flowlab data cifar10: a corrupt download fails on the md5 and leaves nothing behind", async () => {
  const root = mkdtempSync(join(tmpdir(), "flowlab-data-"));
  setProgressSink(() => undefined);
  try {
    const body = fakeArchive(root);
    const dir = join(root, "cache");
    const fetchImpl = async (): Promise<Response> => new Response(body);
    await assert.rejects(quiet(() => main(["cifar10", "--dir", dir], { fetchImpl, md5: "0".repeat(32) })), /md5 .* expected 0{32}/);
    assert.ok(!cifar10Available(dir));
  } finally {
    setProgressSink(null);
    rmSync(root, { recursive: true, force: true });
  }
});

test("flowlab data: listing without a name, mnist, unknown names and bad URLs named before any work", async () => {
  const root = mkdtempSync(join(tmpdir(), "flowlab-data-"));
  try {
    const listing = await flowlab("data", "--dir", root);
    assert.equal(listing.code, 0);
    assert.match(listing.out, /^cifar10 +not downloaded: flowlab data cifar10/m);
    assert.match(listing.out, /^mnist +here/m);
    assert.match((await flowlab("data", "mnist")).out, /nothing to download/);
    const bad = await flowlab("data", "imagenet");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown data set 'imagenet'; data sets are cifar10, mnist/);
    await assert.rejects(main(["--check"]), UsageError);
    const ftp = await flowlab("data", "cifar10", "--dir", root, "--url", "ftp://example.org/c.tar.gz");
    assert.equal(ftp.code, 1);
    assert.match(ftp.err, /--url "ftp:\/\/example.org\/c.tar.gz" must be an http:\/\/ or https:\/\/ URL/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
