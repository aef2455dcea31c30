// The start form (from /api/v1/form) and the Edit dialog that steers a running test.

import { ApiError, postJSON } from "./api.js";
import { byId, el, replaceChildren, setText, show } from "./dom.js";
import { LoadFields } from "./load-form.js";

function showError(node, message) {
  setText(node, message || "");
  show(node, Boolean(message));
}

/** The server's message for a refused request, or what kept it from answering. */
function failure(error) {
  return error instanceof ApiError ? error.message : `Cannot reach horde: ${error.message}`;
}

function checkboxList(container, name, values, checked) {
  replaceChildren(
    container,
    values.map((value) =>
      el(
        "label",
        { class: "choice" },
        el("input", { type: "checkbox", name, value, props: { checked: checked(value) } }),
        el("span", { text: value }),
      ),
    ),
  );
}

function checkedValues(container) {
  return [...container.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value);
}

/** One input for a locustfile option (init_command_line_parser): text, checkbox, select. */
function customField(option) {
  const id = `opt-${option.name}`;
  const helpId = option.help ? `${id}-help` : null;
  const required = option.required
    ? el("span", { class: "required", title: "required", text: " *" })
    : null;
  const help = option.help ? el("small", { id: helpId, class: "help", text: option.help }) : null;
  const common = { id, name: option.name, "aria-describedby": helpId, required: option.required };
  if (option.kind === "bool") {
    const props = { checked: Boolean(option.value) };
    const input = el("input", { ...common, type: "checkbox", props });
    return el(
      "div",
      { class: "field checkbox-field" },
      el("label", { for: id }, input, ` ${option.label}`, required),
      help,
    );
  }
  let input;
  if (Array.isArray(option.choices)) {
    input = el(
      "select",
      common,
      option.choices.map((choice) =>
        el("option", {
          value: String(choice),
          text: String(choice),
          props: { selected: String(choice) === String(option.value) },
        }),
      ),
    );
  } else {
    input = el("input", {
      ...common,
      type: option.secret ? "password" : "text",
      autocomplete: option.secret ? "off" : null,
      props: { value: String(option.value ?? "") },
    });
  }
  const label = el("label", { for: id }, option.label, required);
  return el("div", { class: "field" }, label, input, help);
}

export class StartForm {
  /** `onStarted(status)` runs after the server accepted the test. */
  constructor(onStarted) {
    this.onStarted = onStarted;
    this.form = byId("start-form");
    this.users = byId("f-users");
    this.rate = byId("f-rate");
    this.host = byId("f-host");
    this.runTime = byId("f-run-time");
    this.classes = byId("f-classes-list");
    this.tags = byId("f-tags-list");
    this.excludeTags = byId("f-exclude-tags-list");
    this.custom = byId("f-custom-list");
    this.load = new LoadFields();
    this.error = byId("start-error");
    this.submit = byId("btn-start");
    this.options = [];
    this.filled = false;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
  }

  /** Fill the fields from /api/v1/form (once; later visits keep what the user typed). */
  fill(form) {
    if (this.filled) return;
    this.filled = true;
    this.users.value = form.users ?? 1;
    this.rate.value = form.spawn_rate ?? 1;
    this.host.value = form.host || "";
    this.runTime.value = form.run_time || "";
    const classes = form.user_classes || [];
    checkboxList(this.classes, "user_classes", classes, () => true);
    show(byId("f-classes"), classes.length > 0);
    const tags = form.tags || [];
    const selected = new Set(form.selected_tags || []);
    const excluded = new Set(form.excluded_tags || []);
    checkboxList(this.tags, "tags", tags, (tag) => selected.has(tag));
    checkboxList(this.excludeTags, "exclude_tags", tags, (tag) => excluded.has(tag));
    show(byId("f-tags"), tags.length > 0);
    show(byId("f-exclude-tags"), tags.length > 0);
    this.options = form.custom_options || [];
    replaceChildren(this.custom, this.options.map(customField));
    show(byId("f-custom"), this.options.length > 0);
    if (this.options.some((o) => o.required)) byId("advanced").open = true;
    this.load.fill(form);
  }

  body() {
    const data = {
      host: this.host.value.trim(),
      run_time: this.runTime.value.trim(),
      user_classes: checkedValues(this.classes),
      tags: checkedValues(this.tags),
      exclude_tags: checkedValues(this.excludeTags),
    };
    this.load.addTo(data, this.users.value.trim(), this.rate.value.trim());
    for (const option of this.options) {
      const input = this.form.elements.namedItem(option.name);
      if (!input) continue;
      if (option.kind === "bool") data[option.name] = input.checked;
      else if (option.secret && input.value === "") continue; // keep the configured secret
      else data[option.name] = input.value;
    }
    return data;
  }

  validate(data) {
    const load = this.load.validate(data);
    if (load) return load;
    if (this.classes.childElementCount && !data.user_classes.length) {
      return "Choose at least one User class.";
    }
    const missing = this.options.find(
      (o) =>
        o.required &&
        o.kind !== "bool" &&
        !o.secret &&
        (o.value === "" || o.value === null) &&
        !String(data[o.name] ?? "").trim(),
    );
    if (missing) return `${missing.label} is required.`;
    return null;
  }

  async start() {
    const data = this.body();
    const problem = this.validate(data);
    if (problem) {
      showError(this.error, problem);
      return;
    }
    showError(this.error, "");
    this.submit.disabled = true;
    setText(this.submit, "Starting…");
    try {
      const status = await postJSON("/api/v1/run", data);
      this.onStarted(status);
    } catch (error) {
      showError(this.error, failure(error));
    } finally {
      this.submit.disabled = false;
      setText(this.submit, "Start");
    }
  }
}

export class EditDialog {
  constructor(onChanged) {
    this.onChanged = onChanged;
    this.dialog = byId("edit-dialog");
    this.form = byId("edit-form");
    this.users = byId("e-users");
    this.rate = byId("e-rate");
    this.error = byId("edit-error");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.apply();
    });
    byId("edit-cancel").addEventListener("click", () => this.dialog.close());
  }

  open(status) {
    this.users.value = status.target_user_count ?? status.user_count ?? 0;
    this.rate.value = status.spawn_rate || 1;
    showError(this.error, "");
    this.dialog.showModal();
    this.users.select();
  }

  async apply() {
    try {
      const status = await postJSON("/api/v1/run", {
        user_count: this.users.value.trim(),
        spawn_rate: this.rate.value.trim(),
      });
      this.dialog.close();
      this.onChanged(status);
    } catch (error) {
      showError(this.error, failure(error));
    }
  }
}
