// The Statistics tab: one row per (method, name), sortable, filterable, paged.
//
// Only the visible page is in the DOM (50 rows by default, whatever the number of names), and
// each poll updates the text of existing cells in place instead of rebuilding the table.

import { byId, el, fmtBytes, fmtInt, fmtMs, fmtRate, setText, show } from "./dom.js";

const pct = (key) => (e) => (e.percentiles ? e.percentiles[key] : undefined);
const corrected = (key) => (e) =>
  e.corrected_percentiles ? e.corrected_percentiles[key] : undefined;

/** The columns: label, sort value, formatter, and whether it is a number. */
export const COLUMNS = [
  { key: "method", label: "Type", value: (e) => e.method, text: true },
  { key: "name", label: "Name", value: (e) => e.name, text: true },
  { key: "num_requests", label: "# Requests", value: (e) => e.num_requests, fmt: fmtInt },
  { key: "num_failures", label: "# Fails", value: (e) => e.num_failures, fmt: fmtInt },
  { key: "median", label: "Median", value: (e) => e.median_response_time, fmt: fmtMs, ms: true },
  { key: "p90", label: "90%ile", value: pct("0.9"), fmt: fmtMs, ms: true },
  { key: "p95", label: "95%ile", value: pct("0.95"), fmt: fmtMs, ms: true },
  { key: "p99", label: "99%ile", value: pct("0.99"), fmt: fmtMs, ms: true },
  {
    key: "cp99",
    label: "99%ile from intended start",
    title:
      "Arrival rate: the 99th percentile measured from when each request was due " +
      "(coordinated omission corrected)",
    value: corrected("0.99"),
    fmt: fmtMs,
    ms: true,
    corrected: true,
  },
  { key: "avg", label: "Average", value: (e) => e.avg_response_time, fmt: fmtMs, ms: true },
  { key: "min", label: "Min", value: (e) => e.min_response_time, fmt: fmtMs, ms: true },
  { key: "max", label: "Max", value: (e) => e.max_response_time, fmt: fmtMs, ms: true },
  {
    key: "size",
    label: "Avg size (bytes)",
    value: (e) => e.avg_content_length,
    fmt: fmtBytes,
  },
  { key: "rps", label: "Current RPS", value: (e) => e.current_rps, fmt: fmtRate },
  {
    key: "fails_per_s",
    label: "Current failures/s",
    value: (e) => e.current_fail_per_sec,
    fmt: fmtRate,
  },
];

const STORAGE_KEY = "horde.stats.view";
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function cellText(column, entry) {
  const value = column.value(entry);
  if (column.text) return value || "";
  if ((entry.num_requests === 0 && column.ms) || value === undefined) return "–";
  return column.fmt(value);
}

export class StatsTable {
  constructor() {
    this.head = byId("stats-head");
    this.body = byId("stats-body");
    this.foot = byId("stats-foot");
    this.filterInput = byId("stats-filter");
    this.range = byId("stats-range");
    this.pageInfo = byId("page-info");
    this.pageSizeSelect = byId("page-size");
    this.buttons = {
      first: byId("page-first"),
      prev: byId("page-prev"),
      next: byId("page-next"),
      last: byId("page-last"),
    };
    this.entries = [];
    this.total = null;
    this.rows = []; // {tr, cells, key} for the rows on screen, in order
    this.page = 0;
    this.view = this.loadView();
    this.pageSizeSelect.value = String(this.view.pageSize);
    this.buildHead();
    this.footRow = this.buildRow("aggregated");
    this.foot.append(this.footRow.tr);
    this.emptyRow = el(
      "tr",
      { class: "empty" },
      el("td", { colspan: COLUMNS.length, text: "No requests yet." }),
    );
    this.bindControls();
  }

  loadView() {
    const defaults = { sortKey: null, descending: false, pageSize: 50, filter: "" };
    try {
      return { ...defaults, ...JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "{}") };
    } catch {
      return defaults;
    }
  }

  saveView() {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.view));
    } catch {
      // storage can be disabled; the view then lasts until the page reloads
    }
  }

  buildHead() {
    this.headerCells = COLUMNS.map((column) => {
      const button = el("button", {
        type: "button",
        class: "sort",
        text: column.label,
        onclick: () => this.sortBy(column.key),
      });
      const classes = `${column.text ? "" : "num"}${column.corrected ? " corrected" : ""}`;
      const th = el("th", { scope: "col", class: classes, title: column.title || "" }, button);
      th.dataset.key = column.key;
      this.head.append(th);
      return th;
    });
    this.markSort();
  }

  buildRow(kind) {
    const cells = COLUMNS.map((column) =>
      column.key === "name"
        ? el("th", { scope: "row", class: "name" })
        : el("td", {
            class: column.text
              ? column.key
              : `num ${column.key}${column.corrected ? " corrected" : ""}`,
          }),
    );
    const tr = el("tr", { class: kind || "" }, cells);
    return { tr, cells, key: null };
  }

  bindControls() {
    this.filterInput.value = this.view.filter;
    this.filterInput.addEventListener("input", () => {
      this.view.filter = this.filterInput.value;
      this.page = 0;
      this.saveView();
      this.render();
    });
    this.pageSizeSelect.addEventListener("change", () => {
      this.view.pageSize = Number(this.pageSizeSelect.value) || 50;
      this.page = 0;
      this.saveView();
      this.render();
    });
    const go = (page) => () => {
      this.page = page();
      this.render();
    };
    this.buttons.first.addEventListener("click", go(() => 0));
    this.buttons.prev.addEventListener("click", go(() => this.page - 1));
    this.buttons.next.addEventListener("click", go(() => this.page + 1));
    this.buttons.last.addEventListener("click", go(() => Number.MAX_SAFE_INTEGER));
  }

  sortBy(key) {
    const column = COLUMNS.find((c) => c.key === key);
    if (this.view.sortKey === key) {
      this.view.descending = !this.view.descending;
    } else {
      this.view.sortKey = key;
      this.view.descending = !column.text; // the biggest numbers first, names A to Z
    }
    this.saveView();
    this.markSort();
    this.render();
  }

  markSort() {
    for (const th of this.headerCells) {
      if (th.dataset.key === this.view.sortKey) {
        th.setAttribute("aria-sort", this.view.descending ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    }
  }

  /** New data from /api/v1/stats. */
  update(stats) {
    this.entries = stats.entries || [];
    this.total = stats.total || null;
    // the corrected column shows only when an arrival-rate run produced its numbers
    const table = this.head.closest("table");
    if (table) table.classList.toggle("has-corrected", Boolean(this.total?.corrected_percentiles));
    this.render();
  }

  visibleEntries() {
    const needle = this.view.filter.trim().toLowerCase();
    let rows = this.entries;
    if (needle) {
      rows = rows.filter(
        (e) => e.name.toLowerCase().includes(needle) || e.method.toLowerCase() === needle,
      );
    }
    const column = COLUMNS.find((c) => c.key === this.view.sortKey);
    if (column) {
      const sign = this.view.descending ? -1 : 1;
      const tieBreak = (a, b) =>
        collator.compare(a.name, b.name) || a.method.localeCompare(b.method);
      rows = [...rows].sort((a, b) => {
        const x = column.value(a);
        const y = column.value(b);
        const order = column.text ? collator.compare(x || "", y || "") : (x ?? -1) - (y ?? -1);
        return order * sign || tieBreak(a, b);
      });
    }
    return rows;
  }

  render() {
    const rows = this.visibleEntries();
    const size = this.view.pageSize;
    const pages = Math.max(1, Math.ceil(rows.length / size));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const first = this.page * size;
    const shown = rows.slice(first, first + size);

    this.renderBody(shown);
    this.fillRow(this.footRow, this.total);
    show(this.footRow.tr, Boolean(this.total));

    const noun = this.entries.length === 1 ? "name" : "names";
    const all = fmtInt(this.entries.length);
    const filtered = this.view.filter.trim() ? ` (filtered from ${all})` : "";
    const names = rows.length === 1 ? "name" : "names";
    const span = `${fmtInt(first + 1)}–${fmtInt(first + shown.length)}`;
    let range = "";
    if (rows.length) range = `Showing ${span} of ${fmtInt(rows.length)} ${names}${filtered}`;
    else if (this.entries.length) range = `No name matches the filter (${all} ${noun})`;
    setText(this.range, range);
    setText(this.pageInfo, `Page ${fmtInt(this.page + 1)} of ${fmtInt(pages)}`);
    this.buttons.first.disabled = this.page === 0;
    this.buttons.prev.disabled = this.page === 0;
    this.buttons.next.disabled = this.page >= pages - 1;
    this.buttons.last.disabled = this.page >= pages - 1;
  }

  renderBody(shown) {
    if (!shown.length) {
      for (const row of this.rows) row.tr.remove();
      this.rows = [];
      if (!this.emptyRow.isConnected) this.body.append(this.emptyRow);
      setText(
        this.emptyRow.firstChild,
        this.entries.length ? "No name matches the filter." : "No requests yet.",
      );
      return;
    }
    this.emptyRow.remove();
    while (this.rows.length < shown.length) {
      const row = this.buildRow();
      this.body.append(row.tr);
      this.rows.push(row);
    }
    while (this.rows.length > shown.length) this.rows.pop().tr.remove();
    shown.forEach((entry, i) => this.fillRow(this.rows[i], entry));
  }

  fillRow(row, entry) {
    if (!entry) return;
    const key = `${entry.method} ${entry.name}`;
    if (row.key !== key) {
      row.key = key;
      row.tr.dataset.key = key;
      row.cells[1].title = entry.name;
    }
    COLUMNS.forEach((column, i) => setText(row.cells[i], cellText(column, entry)));
    row.tr.classList.toggle("has-failures", entry.num_failures > 0);
  }
}
