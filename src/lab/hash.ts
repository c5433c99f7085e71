/**
 * Content hashes of configs. A config is hashed through a canonical JSON form (keys sorted, no whitespace),
 * so key order does not matter and any change of value does. Object fields set to undefined count as absent;
 * values JSON would silently alter (functions, NaN, Infinity, class instances) are errors naming the field.
 */
import { createHash } from "node:crypto";

/** Canonical JSON of plain data: objects with sorted keys, arrays, finite numbers, strings, booleans, null. */
export function canonicalJson(value: unknown, path = "config"): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${path} must be a finite number to be hashed, got ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(",")}]`;
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new Error(`${path} must be plain data (object, array, number, string, boolean, null), got a ${value.constructor.name}`);
    }
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], `${path}.${k}`)}`);
    return `{${entries.join(",")}}`;
  }
  throw new Error(`${path} must be plain data (object, array, number, string, boolean, null), got ${typeof value}`);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A short (16 hex digits, 64 bits) hash of plain data; collisions are not a practical concern for a cache. */
export function hashOf(value: unknown): string {
  return sha256(canonicalJson(value)).slice(0, 16);
}
