/* The self-assessment (自评) form: level-2 lists that follow level 1, the 自定义 text box, what column N holds,
 * which fields are required right now, adding and removing rows, character counts.
 *
 * Plain ES2015, no libraries, no build step. Everything it knows comes from the JSON the server embeds
 * (#assessment-options), built from evaluations.choices and the shared validator, so the browser and the server
 * cannot disagree. The page works without this script: the server renders three rows of each kind, ignores blank
 * ones and checks every rule again.
 */
(function () {
  "use strict";

  const form = document.getElementById("assessment-form");
  const dataNode = document.getElementById("assessment-options");
  if (!form || !dataNode) {
    return;
  }
  const opts = JSON.parse(dataNode.textContent);
  const CUSTOM = opts.custom;

  function has(list, value) {
    return list.indexOf(value) !== -1;
  }

  function rowsOf(kind) {
    return Array.prototype.slice.call(form.querySelectorAll('.entry-row[data-kind="' + kind + '"]'));
  }

  function input(row, name) {
    return row.querySelector('[name="' + row.dataset.kind + "-" + row.dataset.index + "-" + name + '"]');
  }

  function cell(row, name) {
    return row.querySelector('.cell[data-field="' + name + '"]');
  }

  function isBlank(row) {
    return Array.prototype.every.call(row.querySelectorAll("input, select"), function (el) {
      return !el.value.trim();
    });
  }

  /* What column N holds, in the order the server's reader (implementation_from_cells) routes it. */
  function nKind(level1, level2) {
    if (!level1) return "any";
    if (has(opts.productNameStates, level2)) return "product";
    if (has(opts.amountStates, level1)) return "amount";
    if (level1 === CUSTOM) return "amount_optional";
    if (has(opts.evaluationStates, level1)) return "result";
    return "none";
  }

  function option(value, label, selected) {
    const el = document.createElement("option");
    el.value = value;
    el.textContent = label;
    if (selected) el.selected = true;
    return el;
  }

  /* Rebuild the level-2 list of a row for its level 1. On page load a stale choice (one the server just reported as
   * not belonging) stays selected so that its error still makes sense; when level 1 changes it is dropped. */
  function refreshLevel2(row, keepStale) {
    const level1 = input(row, "level1").value;
    const select = input(row, "level2");
    const current = select.value;
    const currentLabel = select.selectedIndex >= 0 ? select.options[select.selectedIndex].textContent : current;
    const list = opts[row.dataset.kind][level1] || [];
    let found = false;
    select.textContent = "";
    select.appendChild(option("", list.length ? opts.text.choose : opts.text.noLevel2, false));
    list.forEach(function (item) {
      const selected = item.value === current;
      found = found || selected;
      select.appendChild(option(item.value, item.label, selected));
    });
    if (current && !found && keepStale) {
      select.appendChild(option(current, currentLabel, true));
      found = true;
    }
    if (!found) select.value = "";
    select.disabled = list.length === 0 && !select.value;
  }

  function refreshRow(row) {
    const level1 = input(row, "level1").value;
    const level2 = input(row, "level2").value;
    const custom = cell(row, "custom");
    const usesCustom = row.dataset.kind === "impl" ? level1 === CUSTOM || level2 === CUSTOM : level2 === CUSTOM;
    custom.hidden = !usesCustom && !custom.querySelector(".errorlist");
    if (row.dataset.kind === "impl") {
      const kind = nKind(level1, level2);
      const valueCell = cell(row, "value");
      valueCell.className = valueCell.className.replace(/\bn-\S+/g, "").trim() + " n-" + kind;
      valueCell.querySelector(".n-label").textContent = opts.nLabels[kind];
      input(row, "value").inputMode = kind === "amount" || kind === "amount_optional" ? "decimal" : "text";
    }
  }

  /* Required marks, looked up in the validator's own table: by skip state (一级实施状态 即将放弃专利权 …) and stars. */
  function refreshRequirements() {
    const skip = rowsOf("impl").some(function (row) {
      return has(opts.skipStates, input(row, "level1").value);
    });
    const starsField = form.elements.value_stars;
    const stars = starsField ? starsField.value : "";
    const table = opts.required[skip ? "skip" : "normal"];
    const required = table[stars] || table[""];
    Array.prototype.forEach.call(form.querySelectorAll("[data-key]"), function (el) {
      const key = el.dataset.key;
      const isRequired = has(required, key);
      el.classList.toggle("is-required", isRequired);
      el.classList.toggle("is-optional", !isRequired && has(opts.conditional, key));
    });
    form.classList.toggle("skip-active", skip);
    const afterP = document.getElementById("after-p");
    if (afterP) afterP.classList.toggle("relaxed", skip);
  }

  function renumber(kind) {
    const rows = rowsOf(kind);
    rows.forEach(function (row, i) {
      row.querySelector(".row-no").textContent = String(i + 1);
      row.querySelector(".remove-row").hidden = false;
    });
  }

  function addRow(kind) {
    const template = document.getElementById(kind + "-template");
    const container = form.querySelector('.entry-rows[data-kind="' + kind + '"]');
    const next = rowsOf(kind).reduce(function (max, row) {
      return Math.max(max, parseInt(row.dataset.index, 10) + 1);
    }, 0);
    const holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__i__/g, String(next));
    const row = holder.querySelector(".entry-row");
    container.appendChild(row);
    refreshLevel2(row, false);
    refreshRow(row);
    renumber(kind);
    input(row, "level1").focus();
    return row;
  }

  function removeRow(row) {
    const kind = row.dataset.kind;
    if (rowsOf(kind).length > 1) {
      row.parentNode.removeChild(row);
    } else {
      Array.prototype.forEach.call(row.querySelectorAll("input, select"), function (el) {
        el.value = "";
      });
      Array.prototype.forEach.call(row.querySelectorAll(".errorlist"), function (el) {
        el.parentNode.removeChild(el);
      });
      refreshLevel2(row, false);
      refreshRow(row);
    }
    renumber(kind);
    refreshRequirements();
  }

  function refreshCounter(el) {
    const counter = form.querySelector('.counter[data-for="' + el.id + '"]');
    if (!counter) return;
    const max = parseInt(el.dataset.max, 10);
    const length = Array.from(el.value).length; // characters, as the server counts them
    counter.hidden = false;
    counter.textContent = length + " / " + max;
    counter.classList.toggle("over", length > max);
  }

  form.addEventListener("change", function (event) {
    const el = event.target;
    const row = el.closest(".entry-row");
    if (row && el.classList.contains("level1")) {
      refreshLevel2(row, false);
      refreshRow(row);
      refreshRequirements();
    } else if (row && el.classList.contains("level2")) {
      refreshRow(row);
    } else if (el.name === "value_stars") {
      refreshRequirements();
    }
  });

  form.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.max) refreshCounter(event.target);
  });

  form.addEventListener("click", function (event) {
    const el = event.target;
    if (el.classList.contains("add-row")) {
      event.preventDefault();
      addRow(el.dataset.kind);
      refreshRequirements();
    } else if (el.classList.contains("remove-row")) {
      event.preventDefault();
      removeRow(el.closest(".entry-row"));
    }
  });

  ["impl", "intent"].forEach(function (kind) {
    // The server pads with blank rows for pages without script; here "add" makes rows, so keep only what is filled
    // (at least one row).
    const rows = rowsOf(kind);
    for (let i = rows.length - 1; i > 0; i -= 1) {
      if (!isBlank(rows[i]) || rows[i].classList.contains("has-errors")) break;
      rows[i].parentNode.removeChild(rows[i]);
    }
    rowsOf(kind).forEach(function (row) {
      refreshLevel2(row, true);
      refreshRow(row);
    });
    renumber(kind);
    const add = document.getElementById("add-" + kind);
    if (add) add.hidden = false;
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-max]"), refreshCounter);
  refreshRequirements();
})();
