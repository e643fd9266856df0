// The console works without this script; it only adds conveniences.
// - Emailed links carry their token in the URL fragment (never sent to the
//   server): copy it into the form, then drop it from the address bar.
// - "Select all" boxes tick or untick every box of their table.
// - Menus close on Escape or a click elsewhere, one open at a time.
// - After a refused form, the first field to fix has the focus.
// - On a page with two forms, submitting one while the other holds unsaved
//   changes warns first.
// - People pickers become comboboxes (the WAI-ARIA combobox pattern with a
//   listbox popup): typing asks GET /console/people for the matches; Down
//   and Up move through them, Enter chooses, Escape closes the list (or
//   clears the field when it is closed). Without the script the picker is a
//   text field, a "Find" button and a list of the matches to choose from.
// - Passkeys (forms with data-passkey="create" or "get"): the form asks its
//   data-challenge URL for the WebAuthn options (JSON), hands them to
//   navigator.credentials, and posts the answer in its hidden field. The
//   page that comes back says how it went. Passkeys cannot work without
//   the script (the form says so).
(function () {
  "use strict";
  function fromFragment() {
    var fields = document.querySelectorAll("input[data-from-fragment]");
    if (!fields.length || !window.location.hash) { return; }
    var params = new URLSearchParams(window.location.hash.slice(1));
    fields.forEach(function (field) {
      var value = params.get(field.getAttribute("data-from-fragment"));
      if (value && !field.value) { field.value = value; }
    });
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  // Says whom a link is for before a password is typed, or leads to the
  // page of a dead link (?link=dead: no form, the next step) — the API's
  // POST /api/v1/links/inspect (or the portal's, data-inspect-url); the
  // token travels in the body.
  function inspectLink() {
    var note = document.getElementById("link-for");
    var field = document.getElementById("link-token");
    if (!note || !field || !field.value || !window.fetch) { return; }
    window.fetch(note.getAttribute("data-inspect-url") || "/api/v1/links/inspect", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: field.value })
    }).then(function (response) {
      if (response.status === 400) {
        window.location.replace(window.location.pathname + "?link=dead");
        return null;
      }
      return response.ok ? response.json() : null;
    }).then(function (link) {
      if (!link || link.purpose !== note.getAttribute("data-inspect")) { return; }
      note.textContent = note.getAttribute("data-template")
        .replace("{name}", link.name || "").replace("{email}", link.email).replace("{practice}", link.practice);
      note.hidden = false;
    }).catch(function () { /* the form still works */ });
  }
  function selectAll() {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var form = all.form;
      var boxes = function () { return form.querySelectorAll("input[data-select-one]"); };
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
      });
      boxes().forEach(function (box) {
        box.addEventListener("change", function () {
          if (!box.checked) { all.checked = false; }
        });
      });
    });
  }
  function picker(box) {
    var input = box.querySelector("input[type=text]");
    var field = box.getAttribute("data-field");
    var results = box.querySelector("[data-picker-results]");
    var choice = box.querySelector("select[data-picker-choice]");
    var find = box.querySelector("[data-picker-find]");
    if (!input || !window.fetch) { return; }
    var chosen = document.createElement("input");
    chosen.type = "hidden";
    chosen.name = field;
    if (choice && choice.selectedIndex > 0) {
      chosen.value = choice.value;
      input.value = choice.options[choice.selectedIndex].textContent;
    }
    if (results) { results.parentNode.removeChild(results); }
    if (find) { find.parentNode.removeChild(find); }
    box.appendChild(chosen);
    var list = document.createElement("ul");
    list.id = input.id + "-list";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-labelledby", box.querySelector("label").id || "");
    list.hidden = true;
    input.parentNode.appendChild(list);
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    box.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var people = [];
    var active = -1;
    var asked = 0;
    var timer = null;
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function note(text) {
      var item = document.createElement("li");
      item.className = "picker-note";
      item.setAttribute("aria-hidden", "true");
      item.textContent = text;
      list.appendChild(item);
    }
    function show(found) {
      people = found.people;
      active = -1;
      list.textContent = "";
      people.forEach(function (person, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-id", person.id);
        item.textContent = person.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(item);
      });
      if (!people.length) { note(box.getAttribute("data-none")); }
      if (found.more) { note(box.getAttribute("data-more")); }
      status.textContent = people.length
        ? box.getAttribute("data-count").replace("{count}", String(people.length)) + (found.more ? " " + box.getAttribute("data-more") : "")
        : box.getAttribute("data-none");
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
    }
    function search() {
      var mine = ++asked;
      var url = box.getAttribute("data-picker") + "&q=" + encodeURIComponent(input.value);
      window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (found) { if (found && mine === asked && document.activeElement === input) { show(found); } })
        .catch(function () { /* the field still submits what was typed */ });
    }
    function move(to) {
      if (list.hidden || !people.length) { return; }
      active = (to + people.length) % people.length;
      list.querySelectorAll("[role=option]").forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      var item = document.getElementById(list.id + "-" + active);
      input.setAttribute("aria-activedescendant", item.id);
      item.scrollIntoView({ block: "nearest" });
    }
    function choose(i) {
      chosen.value = people[i].id;
      input.value = people[i].label;
      close();
    }
    input.addEventListener("input", function () {
      chosen.value = "";
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { search(); } else { move(active + 1); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; chosen.value = ""; }
      }
    });
    input.addEventListener("blur", close);
  }
  // Menus (Filter, Columns, Actions): one open at a time; Escape closes
  // the open one (focus back on its button), a click elsewhere closes it.
  function menus() {
    var all = document.querySelectorAll("details.menu");
    all.forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (!menu.open) { return; }
        all.forEach(function (other) { if (other !== menu) { other.open = false; } });
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || event.defaultPrevented) { return; }
      all.forEach(function (menu) {
        if (menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
    });
    document.addEventListener("click", function (event) {
      all.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) { menu.open = false; }
      });
    });
  }
  // A page with two forms (a user's details, and their role and profiles)
  // saves one at a time: submitting one while the other holds unsaved
  // changes warns first; submitting again goes ahead.
  function guards() {
    var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-guard]"));
    if (forms.length < 2) { return; }
    forms.forEach(function (form) {
      var mark = function () { form.setAttribute("data-dirty", "1"); };
      form.addEventListener("input", mark);
      form.addEventListener("change", mark);
      form.addEventListener("submit", function (event) {
        var others = forms.filter(function (other) { return other !== form && other.hasAttribute("data-dirty"); });
        if (!others.length || form.hasAttribute("data-warned")) { return; }
        event.preventDefault();
        form.setAttribute("data-warned", "1");
        var warning = document.createElement("p");
        warning.className = "alert";
        warning.setAttribute("role", "alert");
        warning.setAttribute("data-unsaved-warning", "");
        warning.textContent = form.getAttribute("data-unsaved");
        var button = event.submitter || form.querySelector("button[type=submit]");
        var anchor = button ? (button.closest(".actions-row") || button) : null;
        if (anchor) { anchor.parentNode.insertBefore(warning, anchor); button.focus(); } else { form.appendChild(warning); }
      });
    });
  }
  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = window.atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); }).buffer;
  }
  function toBase64url(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // The server's options (binary fields in base64url) as navigator.credentials takes them.
  function creationOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.user = Object.assign({}, json.user, { id: fromBase64url(json.user.id) });
    options.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: fromBase64url(c.id) });
    });
    return options;
  }
  function requestOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: fromBase64url(c.id) });
    });
    return options;
  }
  // The authenticator's answer as the server reads it (toJSON where the browser has it).
  function answerJson(credential) {
    if (typeof credential.toJSON === "function") { return JSON.stringify(credential.toJSON()); }
    var r = credential.response;
    var response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) { response.userHandle = toBase64url(r.userHandle); }
    }
    return JSON.stringify({
      id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
      response: response, clientExtensionResults: credential.getClientExtensionResults()
    });
  }
  function passkey(form) {
    var mode = form.getAttribute("data-passkey");
    var cancelled = form.getAttribute("data-cancelled");
    var error = form.querySelector("[data-passkey-error]");
    var answerField = form.querySelector("input[type=hidden][name=credential], input[type=hidden][name=passkey]");
    function fail(text) {
      error.textContent = text;
      error.hidden = false;
    }
    form.addEventListener("submit", function (event) {
      if (answerField.value) { return; }
      event.preventDefault();
      error.hidden = true;
      if (!window.PublicKeyCredential || !navigator.credentials) {
        fail(form.querySelector("noscript") ? form.querySelector("noscript").textContent : "");
        return;
      }
      var body = new URLSearchParams();
      body.set("csrf", form.querySelector("input[name=csrf]").value);
      var name = form.querySelector("input[name=passkey_name]");
      if (name) { body.set("name", name.value); }
      fetch(form.getAttribute("data-challenge"), {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        // A refusal says why in the page's language ({"error": …}); an
        // answer that is not JSON (a signed-out session's sign-in page) is
        // the generic failure.
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok || !json.publicKey) { throw new Error(json.error || cancelled); }
          return json.publicKey;
        });
      }).then(function (options) {
        return mode === "create"
          ? navigator.credentials.create({ publicKey: creationOptions(options) })
          : navigator.credentials.get({ publicKey: requestOptions(options) });
      }).then(function (credential) {
        answerField.value = answerJson(credential);
        form.submit();
      }).catch(function (e) {
        // The browser's own refusals (cancelled, timed out, an authenticator
        // registered already) are DOMExceptions in the browser's language:
        // the page says it in its own.
        fail(e instanceof DOMException || !e.message ? cancelled : e.message);
      });
    });
  }
  // After a refused form, the focus starts on the first field to fix.
  function focusFirstProblem() {
    var field = document.querySelector("main [aria-invalid=true]");
    if (field) { field.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    focusFirstProblem();
    guards();
    fromFragment();
    inspectLink();
    selectAll();
    menus();
    document.querySelectorAll("[data-picker]").forEach(picker);
    document.querySelectorAll("form[data-passkey]").forEach(passkey);
  });
})();
