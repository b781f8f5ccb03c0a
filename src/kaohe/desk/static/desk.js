// The desk works without this file: it only adds drag-and-drop onto the upload form, a confirmation
// before closing a period, the print link, and the entry form's spreadsheet conveniences (Enter moves down,
// a block pasted from Excel or WPS fills the rows, changed cells marked, a draft kept in the browser and on
// the server). No build step, no library.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (form) {
    var input = document.getElementById("workbook");
    var zone = form.querySelector(".dropzone");
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (e) { e.preventDefault(); form.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function (e) { e.preventDefault(); form.classList.remove("over"); });
    });
    form.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        form.submit();
      }
    });
    input.addEventListener("change", function () {
      if (input.files.length && zone) { zone.textContent = input.files[0].name; }
    });
  }
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (e) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (link) {
    link.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });

  var entry = document.getElementById("entry-form");
  if (entry) { entryForm(entry); }

  function entryForm(entry) {
    var grid = document.getElementById("entry-grid");
    var body = grid.querySelector("tbody");
    var key = entry.getAttribute("data-key");
    var timer = null;

    function cells(row) { return Array.prototype.slice.call(row.querySelectorAll("input, select")); }
    function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr")); }
    function mark(el) {
      var before = el.getAttribute("data-prefill") || "";
      el.classList.toggle("changed", (el.value || "") !== before);
    }
    function addRow() {
      var last = rows()[rows().length - 1];
      var copy = last.cloneNode(true);
      var n = rows().length;
      copy.setAttribute("data-row", n);
      cells(copy).forEach(function (el) {
        el.name = el.name.replace(/^c\d+\./, "c" + n + ".");
        el.value = ""; el.setAttribute("data-prefill", ""); el.removeAttribute("aria-invalid");
        el.classList.remove("changed");
      });
      copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
      body.appendChild(copy);
      wire(copy);
      return copy;
    }
    function state() {
      var out = {};
      entry.querySelectorAll("input[name], select[name]").forEach(function (el) {
        if (el.name !== "csrf" && el.value) { out[el.name] = el.value; }
      });
      return out;
    }
    function keep() {
      var values = state();
      try { localStorage.setItem(key, JSON.stringify({at: Date.now(), values: values})); } catch (e) { /* full */ }
      clearTimeout(timer);
      timer = setTimeout(function () {  // on the server too; offline, the browser's copy is enough
        fetch(entry.getAttribute("data-draft").replace("/entry/draft", "/api/entry/draft"), {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-Requested-With": "kaohe"},
          body: JSON.stringify({values: values})
        }).catch(function () {});
      }, 800);
    }
    function restore(values) {
      var most = -1;
      Object.keys(values).forEach(function (name) {
        var m = /^c(\d+)\./.exec(name);
        if (m) { most = Math.max(most, parseInt(m[1], 10)); }
      });
      while (rows().length <= most) { addRow(); }
      entry.querySelectorAll("input[name], select[name]").forEach(function (el) {
        if (el.name !== "csrf") { el.value = values[el.name] || ""; mark(el); }
      });
    }
    function paste(e) {
      var text = (e.clipboardData || window.clipboardData).getData("text");
      if (!/[\t\n]/.test(text)) { return; }  // one value: the browser pastes it
      e.preventDefault();
      var row = e.target.closest("tr"), start = rows().indexOf(row), col = cells(row).indexOf(e.target);
      text.replace(/\r/g, "").replace(/\n$/, "").split("\n").forEach(function (line, i) {
        while (rows().length <= start + i) { addRow(); }
        var target = cells(rows()[start + i]);
        line.split("\t").forEach(function (value, j) {
          var el = target[col + j];
          if (el) { el.value = value.trim(); mark(el); }
        });
      });
      keep();
    }
    function wire(scope) {
      scope.querySelectorAll("input, select").forEach(function (el) {
        if (el.name === "csrf") { return; }
        el.addEventListener("input", function () { mark(el); keep(); });
        el.addEventListener("change", function () { mark(el); keep(); });
      });
      scope.querySelectorAll("tr").forEach(function (row) { wireRow(row); });
      if (scope.tagName === "TR") { wireRow(scope); }
    }
    function wireRow(row) {
      cells(row).forEach(function (el) {
        el.addEventListener("paste", paste);
        el.addEventListener("keydown", function (e) {
          if (e.key !== "Enter" || e.isComposing) { return; }  // Enter: the same column, one row down
          e.preventDefault();
          var at = rows().indexOf(row), col = cells(row).indexOf(el);
          var next = rows()[at + 1] || addRow();
          cells(next)[col].focus();
        });
      });
    }
    entry.querySelectorAll("input[data-prefill], select[data-prefill]").forEach(mark);
    wire(entry.querySelector(".entry-street"));
    wire(body);
    var add = document.getElementById("entry-add");
    add.hidden = false;
    add.addEventListener("click", function () { cells(addRow())[0].focus(); });
    if (document.getElementById("saved")) {
      try { localStorage.removeItem(key); } catch (e) { /* none */ }
    } else {
      try {
        var kept = JSON.parse(localStorage.getItem(key) || "null");
        if (kept && kept.values && !document.getElementById("message")) { restore(kept.values); }
      } catch (e) { /* a damaged draft: the server's form stands */ }
    }
  }
})();
