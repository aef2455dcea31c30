// Tabs a locustfile adds (Locust's extend_web_ui example): the page renders one tab per
// `extended_tabs` entry with the columns of its `extended_tables` structure; the rows come from
// the `extended_stats` list the locustfile adds to /stats/requests. Every cell is text.

import { getJSON } from "./api.js";
import { el, replaceChildren } from "./dom.js";

export class ExtensionPanel {
  constructor(panel) {
    this.key = panel.dataset.extensionKey;
    this.columns = [...panel.querySelectorAll("thead th")].map((th) => th.dataset.key);
    this.body = panel.querySelector("tbody");
  }

  async refresh() {
    const data = await getJSON("/stats/requests");
    const found = (data.extended_stats || []).find((item) => item.key === this.key);
    const rows = Array.isArray(found?.data) ? found.data : [];
    replaceChildren(
      this.body,
      rows.map((row) => el("tr", {}, this.columns.map((key) => el("td", { text: row?.[key] ?? "" })))),
    );
  }
}
