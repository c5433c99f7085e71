/**
 * The experiment registry. Each paper folder registers its experiments when imported; src/papers/index.ts
 * imports every folder, so importing it fills the registry for the CLI and the notebooks.
 */
import { callerFile } from "./codehash";
import type { Experiment } from "./types";
import { FIGURE_SIZES, isFigureSize } from "../plot/sizes";

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const registry = new Map<string, Experiment>();
const modules = new Map<string, string>();

/**
 * Registers an experiment. The calling module is the experiment's code: the hash of its module graph keys
 * the experiment's cache entries (codehash.ts), unless `module` names another file.
 */
export function registerExperiment<C extends object>(experiment: Experiment<C>, module: string = callerFile(0)): Experiment<C> {
  const { id } = experiment;
  if (!ID_PATTERN.test(id)) throw new Error(`experiment id '${id}' must match ${ID_PATTERN} (it names files)`);
  const existing = registry.get(id);
  if (existing && existing !== experiment) throw new Error(`experiment id '${id}' is registered twice`);
  for (const mode of ["quick", "full"] as const) {
    if (typeof experiment.configs?.[mode] !== "object") throw new Error(`experiment '${id}': configs.${mode} must be an object`);
  }
  if (!Array.isArray(experiment.figures) || experiment.figures.length === 0) throw new Error(`experiment '${id}': figures must be a non-empty array of FigureSpec`);
  for (const f of experiment.figures) {
    if (!ID_PATTERN.test(f.id)) throw new Error(`experiment '${id}': figure id '${f.id}' must match ${ID_PATTERN} (it names files)`);
    if (!isFigureSize(f.size)) throw new Error(`experiment '${id}', figure '${f.id}': size must be one of ${FIGURE_SIZES.join(", ")}, got ${String(f.size)}`);
    for (const other of registry.values()) {
      if (other.id !== id && other.figures.some((g) => g.id === f.id)) throw new Error(`experiment '${id}': figure id '${f.id}' is already used by experiment '${other.id}'`);
    }
  }
  const ids = experiment.figures.map((f) => f.id);
  const dup = ids.find((x, i) => ids.indexOf(x) !== i);
  if (dup) throw new Error(`experiment '${id}': figure id '${dup}' appears twice`);
  registry.set(id, experiment);
  modules.set(id, module);
  return experiment;
}

/** All registered experiments, sorted by id. */
export function listExperiments(): Experiment[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export function getExperiment(id: string): Experiment {
  const e = registry.get(id);
  if (!e) throw new Error(`unknown experiment '${id}': registered ids are ${listExperiments().map((x) => x.id).join(", ") || "(none)"}`);
  return e;
}

/** The file of the module that registered experiment `id` (its code, for the cache key). */
export function experimentModule(id: string): string {
  const m = modules.get(id);
  if (!m) throw new Error(`experiment '${id}' is not registered, so its code is unknown`);
  return m;
}
