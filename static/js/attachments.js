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

  function showList(input, list) {
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (f) {
      var item = document.createElement("li");
      item.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " KB)";
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
