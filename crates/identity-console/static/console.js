// The console works without this script; it only adds conveniences.
// - Emailed links carry their token in the URL fragment (never sent to the
//   server): copy it into the form, then drop it from the address bar.
// - "Select all" boxes tick or untick every box of their table.
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
  // Says whom a link is for, or that it is dead, before a password is typed
  // (the API's POST /api/v1/links/inspect; the token travels in the body).
  function inspectLink() {
    var note = document.getElementById("link-for");
    var field = document.getElementById("link-token");
    if (!note || !field || !field.value || !window.fetch) { return; }
    window.fetch("/api/v1/links/inspect", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: field.value })
    }).then(function (response) {
      if (response.status === 400) {
        note.textContent = note.getAttribute("data-invalid");
        note.className = "alert";
        note.setAttribute("role", "alert");
        note.hidden = false;
        return null;
      }
      return response.ok ? response.json() : null;
    }).then(function (link) {
      if (!link || link.purpose !== note.getAttribute("data-inspect")) { return; }
      note.textContent = note.getAttribute("data-template")
        .replace("{name}", link.name).replace("{email}", link.email).replace("{practice}", link.practice);
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
  document.addEventListener("DOMContentLoaded", function () {
    fromFragment();
    inspectLink();
    selectAll();
  });
})();
