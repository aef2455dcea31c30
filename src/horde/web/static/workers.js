// The Workers tab (distributed mode): one row per worker, the workers lost during the test.

import { getJSON } from "./api.js";
import { byId, el, fmtInt, replaceChildren, setText, show } from "./dom.js";

function age(seconds) {
  if (seconds === null || seconds === undefined) return "none yet";
  return seconds < 1 ? "just now" : `${seconds.toFixed(0)} s ago`;
}

function megabytes(bytes) {
  return `${fmtInt(Math.round((bytes || 0) / 1048576))} MB`;
}

export class WorkersPanel {
  constructor() {
    this.body = byId("workers-body");
    this.lost = byId("workers-lost");
    this.badge = byId("count-workers");
    this.rows = new Map();
    this.emptyRow = el(
      "tr",
      { class: "empty" },
      el("td", { colspan: 8, text: "No worker is connected: start workers with --worker." }),
    );
    this.body.append(this.emptyRow);
  }

  async refresh() {
    this.update(await getJSON("/api/v1/workers"));
  }

  update(data) {
    const workers = data.workers || [];
    show(this.emptyRow, workers.length === 0);
    setText(this.badge, fmtInt(data.worker_count || 0));
    show(this.badge, true);
    const keep = new Set();
    workers.forEach((worker, i) => {
      keep.add(worker.id);
      let row = this.rows.get(worker.id);
      if (!row) {
        row = {};
        for (const key of ["state", "users", "cpu", "memory", "requests", "report"]) {
          row[key] = el("td", { class: key === "state" ? "state" : "num" });
        }
        row.tr = el(
          "tr",
          { "data-worker": worker.id },
          el("td", { class: "num", text: String(worker.index) }),
          el("td", { class: "break", text: `${worker.hostname} (pid ${worker.pid})`, title: worker.id }),
          row.state,
          row.users,
          row.cpu,
          row.memory,
          row.requests,
          row.report,
        );
        this.rows.set(worker.id, row);
      }
      setText(row.state, worker.state);
      row.state.dataset.state = worker.state;
      setText(row.users, fmtInt(worker.user_count));
      setText(row.cpu, `${Number(worker.cpu_usage).toFixed(0)}%`);
      setText(row.memory, megabytes(worker.memory_usage));
      setText(row.requests, fmtInt(worker.requests));
      setText(row.report, age(worker.last_report_age));
      const position = this.body.children[i + 1] || null; // after the (hidden) empty row
      if (position !== row.tr) this.body.insertBefore(row.tr, position);
    });
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
    replaceChildren(this.lost, ...(data.lost || []).map((text) => el("li", { text })));
  }
}
