// How the test applies load, in the top bar, and its thresholds checked live (✓/✗), above the
// tabs. Both read the run plan the server reports in /api/v1/status.

import { getJSON } from "./api.js";
import { byId, el, fmtInt, replaceChildren, setText, show } from "./dom.js";

/** A short label of the plan for the top bar (its full description goes in the tooltip). */
export function loadLabel(plan, status) {
  const target = fmtInt(status.target_user_count ?? 0);
  let label;
  if (plan.shape) label = `shape: ${plan.shape} · target ${target}`;
  else if (plan.stages) label = `stages · target ${target}`;
  else if (plan.arrival_rate) label = `arrival ${plan.arrival_rate} · ≤ ${fmtInt(plan.users)} users`;
  else if (plan.executor === "shared-iterations") label = `${fmtInt(plan.iterations)} iterations`;
  else if (plan.executor === "per-vu-iterations") {
    label = `${fmtInt(plan.iterations)} iterations per user`;
  } else label = `${fmtInt(plan.users)} users at ${plan.spawn_rate}/s`;
  const own = Object.keys(plan.classes || {});
  if (own.length) label += ` + ${own.join(", ")}`; // classes with their own executor (see title)
  const dropped = status.dropped_iterations;
  return dropped ? `${label} · ${fmtInt(dropped)} dropped` : label;
}

export class ThresholdsPanel {
  constructor() {
    this.section = byId("thresholds");
    this.list = byId("thresholds-list");
    this.summary = byId("thresholds-summary");
  }

  /** Fetch the live results when the plan has thresholds; hide the panel when it has none. */
  async refresh(plan) {
    if (!plan || !(plan.thresholds || []).length) {
      show(this.section, false);
      return;
    }
    this.update(await getJSON("/api/v1/thresholds"));
  }

  update(data) {
    const results = data.thresholds || [];
    show(this.section, results.length > 0);
    const failing = results.filter((r) => !r.passed).length;
    setText(this.summary, failing ? `${failing} of ${results.length} failing` : "all pass");
    this.summary.dataset.state = failing ? "fail" : "pass";
    replaceChildren(
      this.list,
      results.map((result) => {
        const measured = result.observed !== null && result.observed !== undefined;
        const state = result.passed ? "pass" : measured ? "fail" : "none";
        const said = result.passed ? "passes" : "fails";
        return el(
          "li",
          { class: `threshold ${state}` },
          el("span", { class: "mark", "aria-hidden": "true", text: result.passed ? "✓" : "✗" }),
          el("code", { class: "expression", text: result.expression }),
          el("span", { class: "observed", text: measured ? result.text : "nothing measured yet" }),
          el("span", { class: "sr-only", text: ` (${said})` }),
        );
      }),
    );
  }
}
