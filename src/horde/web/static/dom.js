// DOM and formatting helpers. Every server string reaches the page as a text node (never as
// HTML): response bodies, headers and names come from the system under test.

/**
 * Create an element: el("td", {class: "num", title: "x"}, "text", otherNode).
 * Attributes starting with "on" become listeners; `text` sets textContent; `props` are
 * assigned as properties (checked, value, ...). Children are nodes or strings (as text).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "props") Object.assign(node, value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

/** Replace every child of `node`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** Set textContent only when it changed (no layout work for unchanged cells). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

export function show(node, visible = true) {
  if (node.hidden === visible) node.hidden = !visible;
}

// -- numbers ------------------------------------------------------------------------------------

const LOCALE = "en-US";
const whole = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(LOCALE, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const twoDecimals = new Intl.NumberFormat(LOCALE, {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

const missing = (v) => v === null || v === undefined || Number.isNaN(v);

/** 1234 -> "1,234". */
export function fmtInt(v) {
  return missing(v) ? "–" : whole.format(Math.round(v));
}

/** Milliseconds with precision that fits the size: 0.42, 3.17, 12.3, 1,250. */
export function fmtMs(v) {
  if (missing(v)) return "–";
  if (v === 0) return "0";
  if (Math.abs(v) < 0.005) return "<0.01";
  if (Math.abs(Math.round(v * 100) / 100) < 10) return twoDecimals.format(v);
  if (Math.abs(Math.round(v * 10) / 10) < 100) return oneDecimal.format(v);
  return whole.format(v);
}

/** Rates (requests/s): 0.4, 15.1, 1,204. */
export function fmtRate(v) {
  if (missing(v)) return "–";
  if (v === 0) return "0";
  if (Math.abs(v) < 0.05) return "<0.1";
  return Math.abs(Math.round(v * 10) / 10) < 1000 ? oneDecimal.format(v) : whole.format(v);
}

/** A ratio (0..1) as a percentage: 0.0265 -> "2.65%". */
export function fmtPercent(ratio) {
  if (missing(ratio)) return "–";
  const pct = ratio * 100;
  if (pct === 0) return "0%";
  if (pct < 0.01) return "<0.01%";
  if (pct < 10) return `${twoDecimals.format(pct)}%`;
  return `${oneDecimal.format(pct)}%`;
}

/** A number of bytes: 283.9 -> "284". */
export function fmtBytes(v) {
  return missing(v) ? "–" : whole.format(v);
}

// -- time ---------------------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, "0");

/** Unix seconds -> local "HH:MM:SS" (with the date when it is not today). */
export function fmtClock(seconds) {
  if (missing(seconds)) return "–";
  const date = new Date(seconds * 1000);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return time;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** Unix seconds -> "HH:MM:SS.mmm" (failure samples, where order within a second matters). */
export function fmtClockMs(seconds) {
  if (missing(seconds)) return "–";
  const date = new Date(seconds * 1000);
  return `${fmtClock(seconds)}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

/** Seconds -> "42s", "5m 03s", "1h 02m 03s". */
export function fmtDuration(seconds) {
  if (missing(seconds)) return "–";
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}
