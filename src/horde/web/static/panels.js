// The smaller tabs: Exceptions, Tasks, Logs and Downloads.

import { getJSON, url } from "./api.js";
import { byId, el, fmtClock, fmtInt, replaceChildren, setText, show } from "./dom.js";

// -- Exceptions ---------------------------------------------------------------------------------

export class ExceptionsPanel {
  constructor() {
    this.body = byId("exceptions-body");
    this.rows = new Map();
    this.emptyRow = el(
      "tr",
      { class: "empty" },
      el("td", { colspan: 4, text: "No exceptions in user code so far." }),
    );
    this.body.append(this.emptyRow);
  }

  async refresh() {
    const data = await getJSON("/api/v1/exceptions");
    this.update(data.exceptions || []);
  }

  update(exceptions) {
    const sorted = [...exceptions].sort((a, b) => b.count - a.count);
    show(this.emptyRow, sorted.length === 0);
    const keep = new Set();
    sorted.forEach((record, i) => {
      const key = `${record.msg}\u0000${record.traceback}`;
      keep.add(key);
      let row = this.rows.get(key);
      if (!row) {
        row = {
          count: el("td", { class: "num" }),
          last: el("td", { class: "time" }),
        };
        row.tr = el(
          "tr",
          {},
          row.count,
          el("td", { class: "message" }, el("code", { class: "break", text: record.msg })),
          el(
            "td",
            { class: "traceback" },
            el(
              "details",
              {},
              el("summary", { text: "Traceback" }),
              el("pre", { class: "body", tabindex: "0", text: record.traceback }),
            ),
          ),
          row.last,
        );
        this.rows.set(key, row);
      }
      setText(row.count, fmtInt(record.count));
      setText(row.last, fmtClock(record.last_seen));
      const position = this.body.children[i + 1] || null; // after the (hidden) empty row
      if (position !== row.tr) this.body.insertBefore(row.tr, position);
    });
    for (const [key, row] of this.rows) {
      if (!keep.has(key)) {
        row.tr.remove();
        this.rows.delete(key);
      }
    }
  }
}

// -- Tasks --------------------------------------------------------------------------------------

function percent(ratio) {
  const value = (ratio || 0) * 100;
  return `${value >= 10 || value === 0 ? value.toFixed(1) : value.toFixed(2)}%`;
}

function ratioTree(items, depth = 0) {
  const ratio = (name) => items[name].ratio || 0;
  const names = Object.keys(items || {}).sort((a, b) => ratio(b) - ratio(a));
  if (!names.length) return null;
  return el(
    "ul",
    { class: depth ? "ratio-tree nested" : "ratio-tree" },
    names.map((name) => {
      const node = items[name];
      return el(
        "li",
        {},
        el(
          "div",
          { class: "ratio-row" },
          el("span", { class: "ratio-pct", text: percent(node.ratio) }),
          el(
            "span",
            { class: "ratio-bar", "aria-hidden": "true" },
            el("span", { style: `width: ${Math.min(100, (node.ratio || 0) * 100).toFixed(2)}%` }),
          ),
          el("span", { class: depth ? "ratio-name" : "ratio-name class-name", text: name }),
        ),
        ratioTree(node.tasks, depth + 1),
      );
    }),
  );
}

export class TasksPanel {
  constructor() {
    this.perClass = byId("tasks-per-class");
    this.total = byId("tasks-total");
  }

  async refresh() {
    const data = await getJSON("/api/v1/tasks");
    const empty = () => el("p", { class: "muted", text: "No User classes." });
    replaceChildren(this.perClass, ratioTree(data.per_class) || empty());
    replaceChildren(this.total, ratioTree(data.total) || empty());
  }
}

// -- Logs ---------------------------------------------------------------------------------------

const MAX_LOG_LINES = 2000;

export class LogsPanel {
  constructor() {
    this.box = byId("log-lines");
    this.follow = byId("logs-follow");
    this.info = byId("logs-info");
    this.next = 0;
    this.follow.addEventListener("change", () => {
      if (this.follow.checked) this.scrollDown();
    });
  }

  async refresh() {
    const data = await getJSON(`/api/v1/logs?since=${this.next}`);
    if (data.next < this.next) {
      // a new horde process behind the same address: start over
      this.box.replaceChildren();
      this.next = 0;
      return this.refresh();
    }
    this.append(data.lines || []);
    this.next = data.next;
    setText(this.info, this.box.childElementCount ? "" : "No log lines yet.");
  }

  append(lines) {
    if (!lines.length) return;
    const fragment = document.createDocumentFragment();
    for (const line of lines) {
      const level = /\b(ERROR|CRITICAL)\b/.test(line.text)
        ? "error"
        : /\bWARNING\b/.test(line.text)
          ? "warning"
          : "";
      fragment.append(el("div", { class: `log-line ${level}`, text: line.text }));
    }
    this.box.append(fragment);
    while (this.box.childElementCount > MAX_LOG_LINES) this.box.firstElementChild.remove();
    if (this.follow.checked) this.scrollDown();
  }

  scrollDown() {
    this.box.scrollTop = this.box.scrollHeight;
  }
}

// -- Downloads ----------------------------------------------------------------------------------

export class DownloadsPanel {
  constructor() {
    for (const link of document.querySelectorAll("#panel-downloads a[data-path]")) {
      link.href = url(link.dataset.path);
    }
    this.history = byId("dl-history");
    this.historyNote = byId("dl-history-note");
  }

  /** The full-history CSV exists only with --csv: say so instead of offering a broken link. */
  async refresh() {
    let available = false;
    try {
      const response = await fetch(url("/stats/requests_full_history/csv"), {
        method: "HEAD",
        credentials: "same-origin",
        cache: "no-store",
      });
      available = response.ok;
    } catch {
      available = false;
    }
    this.history.classList.toggle("unavailable", !available);
    if (available) this.history.removeAttribute("aria-disabled");
    else this.history.setAttribute("aria-disabled", "true");
    this.history.onclick = available ? null : (event) => event.preventDefault();
    setText(
      this.historyNote,
      available
        ? "the stats over time, one row per interval (_stats_history.csv)"
        : "not available: horde writes it only when started with --csv PREFIX",
    );
  }
}
