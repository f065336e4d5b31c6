/* The request workspace of the console. The page works without this; with it:
   - the compose box keeps a draft per request in localStorage until the message is sent, and
     leaving the page with unsent text asks first;
   - Ctrl+Enter (Cmd+Enter) sends; forms are sent in the background and only the parts of the
     page that changed are replaced, so the compose box is never touched by another action;
   - a refused message keeps its text and shows what changed meanwhile;
   - every ~20 s the page says who else has the request open or typed in it lately, and
     whether the request changed since it was opened;
   - reply templates are searched and inserted at the cursor. */
(function () {
  "use strict";
  var root = document.getElementById("workspace");
  if (!root || !window.fetch) { return; }
  var text = root.dataset;
  var form = document.getElementById("compose-form");
  var body = document.getElementById("compose-body");
  var draftNote = document.getElementById("ws-draft");
  var toast = document.getElementById("ws-toast");
  var presence = document.getElementById("ws-presence");
  var draftKey = "proftiket:draft:" + text.user + ":" + text.ticket;
  var sending = false;
  var typedSinceBeat = false;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(message, ok, changes) {
    toast.textContent = "";
    toast.className = "ws-toast " + (ok ? "ws-toast-ok" : "ws-toast-error");
    var line = document.createElement("p");
    line.textContent = message;
    toast.appendChild(line);
    if (changes && changes.length) {
      var list = document.createElement("ul");
      changes.forEach(function (change) {
        var item = document.createElement("li");
        item.textContent = change;
        list.appendChild(item);
      });
      toast.appendChild(list);
    }
    toast.hidden = false;
    // A refusal takes the focus, as the error summary of a page does: it is read out at once.
    toast.setAttribute("role", ok ? "status" : "alert");
    if (!ok) { toast.tabIndex = -1; toast.focus(); }
  }

  // --- The draft --------------------------------------------------------------------------

  function saveDraft() {
    if (!body) { return; }
    try {
      if (body.value.trim()) {
        var mode = form.querySelector("input[name=mode]:checked");
        localStorage.setItem(draftKey, JSON.stringify({
          text: body.value, mode: mode ? mode.value : "", at: new Date().toISOString()
        }));
      } else {
        localStorage.removeItem(draftKey);
      }
    } catch (e) { /* storage full or disabled: the beforeunload prompt still guards */ }
  }

  function dropDraft() {
    try { localStorage.removeItem(draftKey); } catch (e) { /* nothing stored */ }
    if (draftNote) { draftNote.hidden = true; }
  }

  function restoreDraft() {
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { stored = null; }
    if (!stored || !stored.text) { return; }
    if (body.value.trim()) { saveDraft(); return; }  // the server gave the text back: it wins
    body.value = stored.text;
    var mode = stored.mode && form.querySelector("input[name=mode][value='" + stored.mode + "']");
    if (mode && !mode.disabled) { mode.checked = true; }
    draftNote.textContent = text.textRestored + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button";
    discard.textContent = text.textDiscard;
    discard.addEventListener("click", function () { body.value = ""; dropDraft(); body.focus(); });
    draftNote.appendChild(discard);
    draftNote.hidden = false;
  }

  // --- Sending in the background --------------------------------------------------------------

  function seenInputs() {
    return {
      status: document.getElementById("compose-seen-status"),
      event: document.getElementById("compose-seen-event")
    };
  }

  function apply(data) {
    Object.keys(data.fragments || {}).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) { element.innerHTML = data.fragments[id]; }
    });
    var state = data.state;
    if (!state) { return; }
    var seen = seenInputs();
    if (seen.status) { seen.status.value = state.status; }
    if (seen.event) { seen.event.value = state.last_event; }
    root.dataset.lastEvent = state.last_event;
    if (form) {
      var radios = form.querySelectorAll("input[name=mode]");
      Array.prototype.forEach.call(radios, function (radio) {
        radio.disabled = state.modes.indexOf(radio.value) < 0;
      });
      var checked = form.querySelector("input[name=mode]:checked");
      if (!checked || checked.disabled) {
        var first = form.querySelector("input[name=mode]:not(:disabled)");
        if (first) { first.checked = true; }
      }
    }
    hideAutosubmitButtons();
  }

  function send(target, data) {
    return fetch(target.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().then(function (payload) { return payload; });
    });
  }

  function submitCompose() {
    if (sending) { return; }  // an empty text is refused by the server, with its reason
    sending = true;
    var button = document.getElementById("compose-send");
    button.disabled = true;
    send(form, new FormData(form)).then(function (data) {
      apply(data);
      show(data.message, data.ok, data.changes);
      if (data.ok) {
        body.value = "";
        var files = form.querySelector("input[type=file]");
        if (files) { files.value = ""; files.dispatchEvent(new Event("change", { bubbles: true })); }
        dropDraft();
        var last = document.querySelector("#conversation .ws-entry:last-child");
        if (last) { last.scrollIntoView({ block: "nearest" }); }
      } else {
        saveDraft();  // kept, whatever happens to the page next
      }
    }).catch(function () {
      show(text.textFailed, false);
    }).then(function () {
      sending = false;
      button.disabled = false;
    });
  }

  function submitSmall(target) {
    send(target, new FormData(target)).then(function (data) {
      apply(data);
      show(data.message, data.ok, data.changes);
    }).catch(function () { show(text.textFailed, false); });
  }

  function hideAutosubmitButtons() {
    var buttons = root.querySelectorAll("form[data-autosubmit] .ws-apply");
    Array.prototype.forEach.call(buttons, function (button) { button.hidden = true; });
  }

  root.addEventListener("submit", function (event) {
    var target = event.target;
    if (target === form) { event.preventDefault(); submitCompose(); return; }
    if (target.hasAttribute("data-ws-form")) { event.preventDefault(); submitSmall(target); }
  });
  root.addEventListener("change", function (event) {
    var owner = event.target.form;
    if (owner && owner.hasAttribute("data-autosubmit")) { submitSmall(owner); }
  });
  hideAutosubmitButtons();

  if (form && body) {
    body.addEventListener("input", function () { typedSinceBeat = true; saveDraft(); });
    form.addEventListener("change", function (event) {
      if (event.target.name === "mode") { saveDraft(); }
    });
    body.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        submitCompose();
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (body.value.trim() && !sending) {
        event.preventDefault();
        event.returnValue = text.textUnsent;
        return text.textUnsent;
      }
      return undefined;
    });
    restoreDraft();
  }

  // --- Images open in the page ------------------------------------------------------------------

  root.addEventListener("click", function (event) {
    var thumb = event.target.closest("a.ws-thumb");
    if (!thumb) { return; }
    event.preventDefault();
    thumb.classList.toggle("ws-thumb-open");
  });

  // --- Presence ---------------------------------------------------------------------------------

  function describe(person) {
    if (person.open && person.typing) { return person.name + " (" + text.textTyping + ")"; }
    if (person.open) { return person.name; }
    return person.name + " (" + text.textTyped + ")";
  }

  function showPresence(data) {
    presence.textContent = "";
    if (data.others.length) {
      presence.appendChild(document.createTextNode(
        text.textOpen + " " + data.others.map(describe).join(", ")));
    }
    var seen = seenInputs();
    var known = Number(seen.event ? seen.event.value : root.dataset.lastEvent || 0);
    if (data.last_event > known) {
      var note = document.createElement("span");
      note.className = "ws-changed";
      note.textContent = " " + text.textChanged + " " + data.status_label + ". ";
      var refresh = document.createElement("button");
      refresh.type = "button";
      refresh.className = "button";
      refresh.id = "ws-refresh";
      refresh.textContent = text.textReload;
      refresh.addEventListener("click", refreshParts);
      note.appendChild(refresh);
      presence.appendChild(note);
    }
    presence.hidden = !presence.childNodes.length;
  }

  function refreshParts() {
    fetch(window.location.pathname, {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      apply(data);
      beat();
    });
  }

  function beatData(leaving) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken());
    data.append("typing", typedSinceBeat ? "1" : "0");
    if (leaving) { data.append("leaving", "1"); }
    typedSinceBeat = false;
    return data;
  }

  var beatSeconds = 20;
  function beat() {
    fetch(text.presenceUrl, {
      method: "POST", body: beatData(false), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data) { beatSeconds = data.beat_seconds || beatSeconds; showPresence(data); }
    }).catch(function () { /* the next beat tries again */ });
  }
  if (text.canWork === "1") {
    beat();
    window.setInterval(beat, beatSeconds * 1000);
    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon) { navigator.sendBeacon(text.presenceUrl, beatData(true)); }
    });
  }

  // --- Reply templates -------------------------------------------------------------------------

  var opener = document.getElementById("canned-open");
  var panel = document.getElementById("canned-panel");
  var search = document.getElementById("canned-search");
  var list = document.getElementById("canned-list");
  var empty = document.getElementById("canned-empty");
  var searchTimer = null;

  function insertAtCursor(snippet) {
    var start = body.selectionStart || 0;
    var end = body.selectionEnd || 0;
    var before = body.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    body.value = before + glue + snippet + body.value.slice(end);
    var cursor = (before + glue + snippet).length;
    body.focus();
    body.setSelectionRange(cursor, cursor);
    typedSinceBeat = true;
    saveDraft();
  }

  function choose(id) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken());
    fetch(text.cannedUrl + id + "/", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (r) { return r.json(); }).then(function (reply) {
      if (reply.text) {
        insertAtCursor(reply.text);
        panel.hidden = true;
        opener.setAttribute("aria-expanded", "false");
      } else if (reply.error) {
        show(reply.error, false);
      }
    });
  }

  function listTemplates() {
    var url = text.cannedUrl + "?q=" + encodeURIComponent(search.value.trim());
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        data.replies.forEach(function (reply) {
          var item = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "ws-canned-item";
          button.setAttribute("role", "option");
          button.dataset.id = reply.id;
          var title = document.createElement("b");
          title.textContent = reply.title;
          var preview = document.createElement("span");
          preview.textContent = reply.preview;
          button.appendChild(title);
          button.appendChild(preview);
          button.addEventListener("click", function () { choose(reply.id); });
          item.appendChild(button);
          list.appendChild(item);
        });
        empty.hidden = data.replies.length > 0;
      });
  }

  if (opener && panel && body) {
    opener.hidden = false;
    opener.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      opener.setAttribute("aria-expanded", String(!panel.hidden));
      if (!panel.hidden) { listTemplates(); search.focus(); }
    });
    search.addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(listTemplates, 200);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = list.querySelector(".ws-canned-item");
        if (first) { choose(first.dataset.id); }
      } else if (event.key === "Escape") {
        panel.hidden = true;
        opener.setAttribute("aria-expanded", "false");
        body.focus();
      }
    });
  }
}());
