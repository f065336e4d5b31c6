/* Attachments: drop files on the field or paste a screenshot; the form works without this. */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[type=file][data-attachments]");
  if (!inputs.length || typeof DataTransfer === "undefined") { return; }

  function addFiles(input, files) {
    var transfer = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { transfer.items.add(f); });
    Array.prototype.forEach.call(files, function (f, i) {
      var file = f;
      if (!f.name || f.name === "image.png") {  // a pasted screenshot has no useful name
        var stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
        file = new File([f], "screenshot-" + stamp + (i ? "-" + i : "") + ".png", { type: f.type });
      }
      transfer.items.add(file);
    });
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // Units in the page's language; the number as that language writes it ("1,2" in Russian).
  var UNITS = { ru: ["Б", "КБ", "МБ"], en: ["B", "KB", "MB"] };
  var lang = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();
  var units = UNITS[lang] || UNITS.en;

  function formatSize(bytes) {
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    var digits = unit === 0 || value >= 10 ? 0 : 1;
    var number = new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value);
    return number + "\u00a0" + units[unit];  // a no-break space keeps the unit with its number
  }

  function showList(input, list) {
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (f) {
      var item = document.createElement("li");
      item.textContent = f.name + " (" + formatSize(f.size) + ")";
      list.appendChild(item);
    });
  }

  Array.prototype.forEach.call(inputs, function (input) {
    var zone = input.closest(".field") || input.parentNode;
    zone.classList.add("dropzone");
    var list = document.createElement("ul");
    list.className = "selected-files";
    zone.appendChild(list);
    input.addEventListener("change", function () { showList(input, list); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) { addFiles(input, e.dataTransfer.files); }
    });
  });

  // A pasted image goes to the attachment field of the form being edited.
  document.addEventListener("paste", function (e) {
    var items = (e.clipboardData && e.clipboardData.files) || [];
    if (!items.length) { return; }
    var form = document.activeElement && document.activeElement.form;
    var input = (form && form.querySelector("input[type=file][data-attachments]")) || inputs[0];
    var images = Array.prototype.filter.call(items, function (f) { return /^image\//.test(f.type); });
    if (images.length) { e.preventDefault(); addFiles(input, images); }
  });
})();
