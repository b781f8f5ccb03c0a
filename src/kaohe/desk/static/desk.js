// The desk works without this file: it only adds drag-and-drop onto the upload form, a confirmation
// before closing a period, and the print link. No build step, no library.
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
})();
