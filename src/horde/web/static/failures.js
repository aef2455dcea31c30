// The Failures tab: failures grouped by (method, name, message), and a drill-down into the
// concrete samples horde keeps for each group: URL, status, response headers, body excerpt.
//
// Everything shown here comes from the system under test (bodies, headers, messages), so it
// is inserted as text only.

import { getJSON } from "./api.js";
import { byId, el, fmtClock, fmtClockMs, fmtInt, replaceChildren, setText, show } from "./dom.js";

const MAX_ROWS = 300;

const groupKey = (g) => `${g.method}\u0000${g.name}\u0000${g.error}`;

function statusClass(code) {
  if (code === null || code === undefined) return "status-none";
  if (code >= 500) return "status-5xx";
  if (code >= 400) return "status-4xx";
  if (code >= 300) return "status-3xx";
  return "status-2xx";
}

function statusBadge(code) {
  const text = code === null || code === undefined || code === 0 ? "no response" : String(code);
  return el("span", { class: `status ${statusClass(code)}`, text });
}

/** The body excerpt, pretty-printed when it is complete JSON. */
function bodyText(sample) {
  const raw = sample.body_excerpt || "";
  if (!sample.body_truncated && /^\s*[[{]/.test(raw)) {
    try {
      return { text: JSON.stringify(JSON.parse(raw), null, 2), formatted: true };
    } catch {
      // not JSON after all: show it as it came
    }
  }
  return { text: raw, formatted: false };
}

function headerTable(headers, caption) {
  const names = Object.keys(headers || {});
  if (!names.length) return el("p", { class: "muted", text: "None recorded." });
  return el(
    "table",
    { class: "kv-table" },
    el("caption", { class: "sr-only", text: caption }),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col", text: "Header" }),
        el("th", { scope: "col", text: "Value" }),
      ),
    ),
    el(
      "tbody",
      {},
      names.map((name) =>
        el("tr", {}, el("th", { scope: "row", text: name }), el("td", { text: headers[name] })),
      ),
    ),
  );
}

function sampleView(sample, index, open) {
  const body = bodyText(sample);
  const bodyNote = [
    sample.body_truncated ? "excerpt, truncated" : "complete",
    body.formatted ? "JSON, formatted" : null,
  ]
    .filter(Boolean)
    .join(", ");
  const copy = el("button", { type: "button", class: "small", text: "Copy body" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(sample.body_excerpt || "");
      setText(copy, "Copied");
    } catch {
      setText(copy, "Copy failed");
    }
    setTimeout(() => setText(copy, "Copy body"), 1500);
  });
  return el(
    "details",
    { class: "sample", open, dataset: { time: String(sample.time) } },
    el(
      "summary",
      {},
      el("span", { class: "sample-no", text: `Sample ${index + 1}` }),
      statusBadge(sample.status_code),
      el("span", { class: "sample-time", text: fmtClockMs(sample.time) }),
      el("code", { class: "sample-url", text: sample.url || "(no URL)" }),
    ),
    el(
      "dl",
      { class: "kv" },
      el("dt", { text: "Time" }),
      el("dd", { text: fmtClockMs(sample.time) }),
      el("dt", { text: "URL" }),
      el("dd", {}, el("code", { class: "break", text: sample.url || "(no URL)" })),
      el("dt", { text: "Status code" }),
      el("dd", { class: "sample-status" }, statusBadge(sample.status_code)),
      el("dt", { text: "Message" }),
      el("dd", {}, el("code", { class: "break", text: sample.message || "" })),
    ),
    el("h4", { text: "Response headers" }),
    headerTable(sample.response_headers, "Response headers"),
    el(
      "div",
      { class: "body-head" },
      el("h4", {}, "Response body ", el("span", { class: "muted", text: `(${bodyNote})` })),
      sample.body_excerpt ? copy : null,
    ),
    sample.body_excerpt
      ? el("pre", { class: "body", tabindex: "0", text: body.text })
      : el("p", { class: "muted", text: "Empty body." }),
    el(
      "details",
      { class: "request-headers" },
      el("summary", { text: "Request headers" }),
      headerTable(sample.request_headers, "Request headers"),
    ),
  );
}

export class FailuresPanel {
  constructor() {
    this.body = byId("failures-body");
    this.summary = byId("failures-summary");
    this.detail = byId("failure-detail");
    this.rows = new Map(); // key -> {tr, cells}
    this.groups = new Map();
    this.total = 0; // failures counted at the last refresh (the tab's badge shows it too)
    this.selected = null;
    this.sampleSignature = "";
    this.emptyRow = el(
      "tr",
      { class: "empty" },
      el("td", { colspan: 7, text: "No failures so far." }),
    );
  }

  async refresh() {
    const data = await getJSON("/api/v1/failures");
    this.update(data.failures || []);
  }

  update(failures) {
    const groups = [...failures].sort((a, b) => b.occurrences - a.occurrences);
    this.groups = new Map(groups.map((g) => [groupKey(g), g]));
    const total = groups.reduce((sum, g) => sum + g.occurrences, 0);
    this.total = total;
    const capped = groups.length > MAX_ROWS
      ? ` (showing the ${MAX_ROWS} most frequent; the failures CSV has them all)`
      : "";
    setText(
      this.summary,
      groups.length
        ? `${fmtInt(total)} ${total === 1 ? "failure" : "failures"} in ` +
            `${fmtInt(groups.length)} ${groups.length === 1 ? "group" : "groups"}${capped}. ` +
            "Select a row to see its sample requests and responses."
        : "",
    );
    this.renderRows(groups.slice(0, MAX_ROWS));
    this.renderDetail();
  }

  renderRows(groups) {
    if (!groups.length) {
      for (const row of this.rows.values()) row.tr.remove();
      this.rows.clear();
      if (!this.emptyRow.isConnected) this.body.append(this.emptyRow);
      return;
    }
    this.emptyRow.remove();
    const keep = new Set();
    groups.forEach((group, i) => {
      const key = groupKey(group);
      keep.add(key);
      let row = this.rows.get(key);
      if (!row) {
        row = this.buildRow(key, group);
        this.rows.set(key, row);
      }
      this.fillRow(row, group);
      const there = this.body.children[i] || null;
      if (there !== row.tr) this.body.insertBefore(row.tr, there);
    });
    for (const [key, row] of this.rows) {
      if (!keep.has(key)) {
        row.tr.remove();
        this.rows.delete(key);
      }
    }
  }

  buildRow(key, group) {
    const cells = {
      count: el("td", { class: "num" }),
      method: el("td"),
      name: el("td", { class: "name", text: group.name, title: group.name }),
      message: el("td", { class: "message", text: group.error, title: group.error }),
      first: el("td", { class: "time" }),
      last: el("td", { class: "time" }),
      button: el("button", { type: "button", class: "small" }),
    };
    const tr = el(
      "tr",
      { class: "selectable", tabindex: "0", "aria-selected": "false" },
      cells.count,
      cells.method,
      cells.name,
      cells.message,
      cells.first,
      cells.last,
      el("td", {}, cells.button),
    );
    tr.dataset.key = key;
    tr.addEventListener("click", () => this.select(key));
    tr.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.select(key);
      }
    });
    return { tr, cells };
  }

  fillRow(row, group) {
    setText(row.cells.count, fmtInt(group.occurrences));
    setText(row.cells.method, group.method);
    setText(row.cells.first, fmtClock(group.first_seen));
    setText(row.cells.last, fmtClock(group.last_seen));
    const samples = (group.samples || []).length;
    setText(row.cells.button, samples ? `Details (${samples})` : "Details");
    row.tr.setAttribute("aria-selected", String(row.tr.dataset.key === this.selected));
  }

  select(key) {
    this.selected = this.selected === key ? null : key;
    this.sampleSignature = "";
    this.detail.replaceChildren();
    for (const row of this.rows.values()) {
      row.tr.setAttribute("aria-selected", String(row.tr.dataset.key === this.selected));
    }
    this.renderDetail();
    if (this.selected) this.detail.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  close() {
    this.selected = null;
    this.sampleSignature = "";
    this.detail.replaceChildren();
    for (const row of this.rows.values()) row.tr.setAttribute("aria-selected", "false");
    this.renderDetail();
  }

  renderDetail() {
    const group = this.selected ? this.groups.get(this.selected) : null;
    if (!group) {
      if (this.selected) this.close(); // gone: the statistics were reset
      show(this.detail, false);
      return;
    }
    show(this.detail, true);
    const samples = group.samples || [];
    const signature = `${this.selected}\u0000${samples.map((s) => s.time).join(",")}`;
    if (signature === this.sampleSignature) {
      this.updateFacts(group);
      return;
    }
    this.sampleSignature = signature;
    const open = new Set(
      [...this.detail.querySelectorAll("details.sample[open]")].map((d) => d.dataset.time),
    );
    const firstTime = !this.detail.querySelector("details.sample");
    const closeButton = el("button", { type: "button", class: "small", text: "Close" });
    closeButton.addEventListener("click", () => this.close());
    this.facts = {
      occurrences: el("dd"),
      first: el("dd"),
      last: el("dd"),
    };
    const codes = new Map();
    for (const s of samples) codes.set(s.status_code, (codes.get(s.status_code) || 0) + 1);
    replaceChildren(
      this.detail,
      el(
        "div",
        { class: "detail-head" },
        el(
          "h2",
          { id: "failure-detail-title" },
          el("span", { class: "method", text: group.method }),
          " ",
          el("span", { text: group.name }),
        ),
        closeButton,
      ),
      el("p", { class: "error-message" }, el("code", { class: "break", text: group.error })),
      el(
        "dl",
        { class: "facts" },
        el("div", {}, el("dt", { text: "Occurrences" }), this.facts.occurrences),
        el("div", {}, el("dt", { text: "First seen" }), this.facts.first),
        el("div", {}, el("dt", { text: "Last seen" }), this.facts.last),
        el(
          "div",
          {},
          el("dt", { text: "Status codes (samples)" }),
          el(
            "dd",
            {},
            [...codes].map(([code, n]) =>
              el("span", { class: "code-count" }, statusBadge(code), ` ×${n}`),
            ),
          ),
        ),
      ),
      samples.length
        ? el(
            "p",
            { class: "muted" },
            samples.length === 1
              ? "horde keeps the first failure of each kind as a sample."
              : `horde keeps the first ${samples.length} failures of each kind as samples.`,
          )
        : el("p", { class: "muted", text: "No samples were kept for this failure." }),
      samples.map((sample, i) =>
        sampleView(sample, i, firstTime ? i === 0 : open.has(String(sample.time))),
      ),
    );
    this.updateFacts(group);
  }

  updateFacts(group) {
    setText(this.facts.occurrences, fmtInt(group.occurrences));
    setText(this.facts.first, fmtClock(group.first_seen));
    setText(this.facts.last, fmtClock(group.last_seen));
  }
}
