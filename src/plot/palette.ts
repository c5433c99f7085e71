/**
 * The one semantic palette. Every figure draws a process or quantity in the same colour and line style
 * (Okabe & Ito 2008 colours, colour-blind safe; dashes keep the meaning when printed in grey):
 *   optimizer (GD, RMSProp, … measured)  blue, solid
 *   gradientFlow / stable flow           orange, solid
 *   central flow                         black, solid, heavier
 *   prediction                           vermillion, dashed, thinner (drawn under the measured curves)
 *   threshold (2/η)                      grey, dotted
 *   ablated flow                         reddish purple, dash-dot
 *   stationary flow                      bluish green, long dash
 * A sweep over a parameter (η, depth, width, seed) uses `sweepColor`, one sequential scale (green → indigo)
 * that stays clear of the process colours (checked under simulated deuteranopia/protanopia in test/plot.test.ts).
 */
import type { Dash } from "plotly.js-dist";

export interface LineRole {
  color: string;
  dash: Dash;
  /** Line width in layout px (1 px = 0.75 pt at the final size; ≥ 1 px keeps lines ≥ 0.75 pt). */
  width: number;
  /** Default legend name. */
  name?: string;
}

/** Okabe–Ito colours (Okabe & Ito 2008, "Color Universal Design"). */
export const OKABE_ITO = {
  black: "#000000",
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  bluishGreen: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  reddishPurple: "#CC79A7",
} as const;

/** Neutral greys for context (raw traces, reference lines, grids). */
export const GREY = { dark: "#4D4D4D", mid: "#8C8C8C", light: "#BDBDBD", grid: "#E6E6E6" } as const;

export type RoleName = "optimizer" | "gradientFlow" | "stable" | "central" | "prediction" | "threshold" | "ablated" | "stationary" | "context";

export const ROLE: Readonly<Record<RoleName, LineRole>> = {
  optimizer: { color: OKABE_ITO.blue, dash: "solid", width: 1.25, name: "GD" },
  gradientFlow: { color: OKABE_ITO.orange, dash: "solid", width: 1.5, name: "gradient flow" },
  stable: { color: OKABE_ITO.orange, dash: "solid", width: 1.5, name: "stable flow" },
  central: { color: OKABE_ITO.black, dash: "solid", width: 1.75, name: "central flow" },
  prediction: { color: OKABE_ITO.vermillion, dash: "dash", width: 1, name: "prediction" },
  threshold: { color: GREY.dark, dash: "dot", width: 1, name: "2/η" },
  ablated: { color: OKABE_ITO.reddishPurple, dash: "dashdot", width: 1.5, name: "ablated flow" },
  stationary: { color: OKABE_ITO.bluishGreen, dash: "longdash", width: 1.5, name: "stationary flow" },
  context: { color: GREY.mid, dash: "solid", width: 1, name: undefined },
};

/** The distinct process colours (stable shares gradientFlow's colour: both are "the flow that leaves the edge"). */
export const PROCESS_COLORS: readonly string[] = [...new Set((["optimizer", "gradientFlow", "central", "prediction", "threshold", "ablated", "stationary"] as RoleName[]).map((r) => ROLE[r].color))];

/**
 * Anchors of the sweep scale (light green → teal → indigo, a "crest"-like ramp): monotone in lightness, so
 * order reads in grey too; it avoids black, orange, vermillion and purple.
 */
export const SWEEP_ANCHORS = ["#8FC97E", "#4BAA8E", "#2A8A8F", "#2A6A8F", "#34488A", "#33266E"] as const;

function hexToRgb(hex: string): [number, number, number] {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

function rgbToHex(rgb: number[]): string {
  return "#" + rgb.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** Colour of member i of a sweep of n (i = 0 lightest, n − 1 darkest); linear interpolation between anchors. */
export function sweepColor(i: number, n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`sweepColor: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`sweepColor: i must be an integer in [0, ${n - 1}], got ${i}`);
  const t = n === 1 ? 0.6 : i / (n - 1);
  const pos = t * (SWEEP_ANCHORS.length - 1);
  const k = Math.min(SWEEP_ANCHORS.length - 2, Math.floor(pos));
  const f = pos - k;
  const a = hexToRgb(SWEEP_ANCHORS[k]);
  const b = hexToRgb(SWEEP_ANCHORS[k + 1]);
  return rgbToHex(a.map((v, j) => v + f * (b[j] - v)));
}

/** A role's colour with opacity, e.g. for raw (unsmoothed) traces under their smoothed version. */
export function faint(color: string, alpha = 0.3): string {
  const [r, g, b] = hexToRgb(color);
  return `rgba(${r},${g},${b},${alpha})`;
}

// ------------------------------------------------------------ colour-vision simulation (for the tests)

/** Machado, Oliveira & Fernandes 2009, severity 1.0, applied to linear RGB. */
export const CVD_MATRICES = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
} as const;

const toLinear = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toSrgb = (c: number): number => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);

/** The colour as seen with the given colour-vision deficiency (sRGB hex in and out). */
export function simulateCvd(hex: string, kind: keyof typeof CVD_MATRICES): string {
  const lin = hexToRgb(hex).map((v) => toLinear(v / 255));
  const m = CVD_MATRICES[kind];
  const out = m.map((row) => Math.min(1, Math.max(0, row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2])));
  return rgbToHex(out.map((v) => toSrgb(v) * 255));
}

/** CIE L*a*b* (D65) of an sRGB hex colour. */
export function hexToLab(hex: string): [number, number, number] {
  const [r, g, b] = hexToRgb(hex).map((v) => toLinear(v / 255));
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference ΔE*ab. */
export function deltaE(a: string, b: string): number {
  const p = hexToLab(a);
  const q = hexToLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
