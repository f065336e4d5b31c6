/* Similar requests while the subject is typed: up to five open requests the customer may
   open that look like it (tickets.search), so that they follow one instead of filing a
   duplicate. Asks the server 400 ms after the typing stops; an older answer never replaces a
   newer one. The form works without this script. */
(function () {
  "use strict";
  var box = document.getElementById("similar-requests");
  var input = document.getElementById("id_subject");
  if (!box || !input || typeof fetch === "undefined") { return; }
  var list = box.querySelector("ul");
  var url = box.getAttribute("data-url");
  var MIN_LENGTH = 4;
  var DELAY_MS = 400;
  var timer = null;
  var pending = null;
  var sequence = 0;
  var asked = "";

  function show(results) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    results.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.reference + " " + item.subject;
      var status = document.createElement("span");
      status.className = "status";
      status.textContent = " · " + item.status;
      li.appendChild(link);
      li.appendChild(status);
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }

  function ask() {
    var subject = input.value.trim();
    if (subject === asked) { return; }
    asked = subject;
    if (pending) { pending.abort(); pending = null; }
    if (subject.length < MIN_LENGTH) { sequence += 1; show([]); return; }
    var controller = typeof AbortController === "undefined" ? null : new AbortController();
    var mine = ++sequence;
    pending = controller;
    fetch(url + "?subject=" + encodeURIComponent(subject), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : { results: [] };
    }).then(function (data) {
      if (mine === sequence) { show(data.results || []); pending = null; }
    }).catch(function () { /* aborted or offline: keep the form as it is */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });
  if (input.value.trim().length >= MIN_LENGTH) { ask(); }
}());
