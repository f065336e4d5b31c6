/* Attachments: one list of files that the file chooser, drag and drop and a pasted screenshot
   all add to, each with a remove button; sizes and counts checked before anything is sent.
   The form works without this script (a plain multiple file input). Limits and texts come from
   the input's data attributes (tickets.attachments.browser_checks). */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[type=file][data-attachments]");
  if (!inputs.length || typeof DataTransfer === "undefined") { return; }

  // Units in the page's language; the number as that language writes it ("1,2" in Russian).
  var UNITS = { ru: ["Б", "КБ", "МБ", "ГБ"], en: ["B", "KB", "MB", "GB"] };
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

  function fill(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  // "2026-12-02T09-57-03" in the interface's time zone (Moscow), not the browser's or UTC.
  function stamp(timeZone) {
    var parts = {};
    var format = new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
    });
    format.formatToParts(new Date()).forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" +
      parts.hour + "-" + parts.minute + "-" + parts.second;
  }

  function attach(input) {
    var data = input.dataset;
    var selected = [];
    var zone = input.closest(".field") || input.closest(".console-field") || input.parentNode;
    zone.classList.add("dropzone");
    var list = document.createElement("ul");
    list.className = "selected-files";
    list.setAttribute("aria-live", "polite");
    zone.appendChild(list);

    function taken(name) {
      return selected.some(function (file) { return file.name === name; });
    }

    // A pasted screenshot has no useful name: name it by the time, unique in the list.
    function named(file) {
      if (file.name && file.name !== "image.png") { return file; }
      var base = "screenshot-" + stamp(data.timeZone);
      var name = base + ".png";
      for (var n = 2; taken(name); n += 1) { name = base + "-" + n + ".png"; }
      return new File([file], name, { type: file.type, lastModified: file.lastModified });
    }

    function sync() {
      var transfer = new DataTransfer();
      selected.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;  // setting files fires no "change": no loop
      render();
    }

    function add(files) {
      Array.prototype.forEach.call(files, function (file) {
        var same = selected.some(function (f) {
          return f.name === file.name && f.size === file.size && f.lastModified === file.lastModified;
        });
        if (!same) { selected.push(named(file)); }
      });
      sync();
    }

    function render() {
      list.textContent = "";
      selected.forEach(function (file, index) {
        var item = document.createElement("li");
        var label = document.createElement("span");
        label.textContent = file.name + " (" + formatSize(file.size) + ")";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "small remove-file";
        remove.textContent = "×";
        remove.setAttribute("aria-label", fill(data.textRemove || "Remove %(name)s", { name: file.name }));
        remove.addEventListener("click", function () {
          selected.splice(index, 1);
          sync();
          input.focus();
        });
        item.appendChild(label);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(remove);
        list.appendChild(item);
      });
    }

    // The chooser replaces the input's files with what was just chosen: add those instead.
    input.addEventListener("change", function () { add(input.files); });

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) { add(e.dataTransfer.files); }
    });

    function problems() {
      var found = [];
      var maxFile = Number(data.maxFileBytes);
      var total = 0;
      selected.forEach(function (file) {
        total += file.size;
        if (maxFile && file.size > maxFile) {
          found.push(fill(data.textTooLarge, {
            name: file.name, size: formatSize(file.size), limit: formatSize(maxFile)
          }));
        }
      });
      if (Number(data.maxFiles) && selected.length > Number(data.maxFiles)) {
        found.push(data.textTooMany);
      }
      var maxTotal = Number(data.maxTotalBytes);
      if (maxTotal && total > maxTotal) {
        found.push(fill(data.textTooMuch, { size: formatSize(total), limit: formatSize(maxTotal) }));
      }
      return found;
    }

    // Checked before sending: a 200 MB upload is not sent only to be refused.
    if (input.form) {
      input.form.addEventListener("submit", function (e) {
        var found = problems();
        if (!found.length) { return; }
        e.preventDefault();
        showSummary(data.textSummary, found, input.id);
      });
    }

    return add;
  }

  // The same summary as the server's (templates/includes/error_summary.html), focused.
  function showSummary(title, messages, target) {
    var old = document.getElementById("error-summary");
    if (old) { old.parentNode.removeChild(old); }
    var box = document.createElement("div");
    box.className = "error-summary";
    box.id = "error-summary";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    var heading = document.createElement("h2");
    heading.textContent = title;
    var items = document.createElement("ul");
    messages.forEach(function (text) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + target;
      link.textContent = text;
      item.appendChild(link);
      items.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(items);
    var main = document.querySelector("main, #content") || document.body;
    main.insertBefore(box, main.firstChild);
    box.focus();
  }

  var adders = new Map();
  Array.prototype.forEach.call(inputs, function (input) { adders.set(input, attach(input)); });

  // A pasted image goes to the attachment field of the form being edited.
  document.addEventListener("paste", function (e) {
    var items = (e.clipboardData && e.clipboardData.files) || [];
    if (!items.length) { return; }
    var form = document.activeElement && document.activeElement.form;
    var input = (form && form.querySelector("input[type=file][data-attachments]")) || inputs[0];
    var images = Array.prototype.filter.call(items, function (f) { return /^image\//.test(f.type); });
    if (images.length) { e.preventDefault(); adders.get(input)(images); }
  });
})();
