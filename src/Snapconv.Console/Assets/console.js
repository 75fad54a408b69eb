// snapconv console: the little script the pages use. Everything works without it; it only
// - shows the chosen source kind's fields (and disables the others, so that only they are posted),
// - refreshes a schedule's next fire times as one types,
// - keeps a running run's page up to date (polls the page itself and swaps its live part),
// - asks before a delete, and brings a form's result or errors into view.
// Served from /assets (CSP: script-src 'self'; no inline script anywhere).
(function () {
  "use strict";

  function sourceKinds() {
    var select = document.querySelector("[data-role=source-kind]");
    if (!select) return;
    var show = function () {
      document.querySelectorAll("fieldset.kind-fields").forEach(function (fs) {
        var on = fs.getAttribute("data-kind") === select.value;
        fs.hidden = !on;
        fs.disabled = !on;
      });
    };
    select.addEventListener("change", show);
    show();
  }

  function schedule() {
    var out = document.getElementById("schedule-next");
    var inputs = document.querySelectorAll("[data-role=schedule-input]");
    if (!out || inputs.length === 0) return;
    var cron = document.querySelector("input[name=schedule]");
    var zone = document.querySelector("input[name=timezone]");
    var timer = 0, seq = 0;
    var render = function (data) {
      out.textContent = "";
      if (data.error) {
        var p = document.createElement("p");
        p.className = "field-error";
        p.textContent = data.error;
        out.appendChild(p);
        return;
      }
      if (!data.times || data.times.length === 0) return;
      var head = document.createElement("p");
      head.textContent = "Next runs:";
      var ol = document.createElement("ol");
      data.times.forEach(function (iso, i) {
        var li = document.createElement("li");
        var t = document.createElement("time");
        t.dateTime = iso;
        t.textContent = data.labels[i];
        li.appendChild(t);
        ol.appendChild(li);
      });
      out.appendChild(head);
      out.appendChild(ol);
    };
    var ask = function () {
      var mine = ++seq;
      var url = new URL(location.pathname, location.origin);
      url.searchParams.set("handler", "Schedule");
      url.searchParams.set("schedule", cron ? cron.value : "");
      url.searchParams.set("timezone", zone ? zone.value : "");
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && mine === seq) render(data); })
        .catch(function () { /* keep what is shown */ });
    };
    inputs.forEach(function (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(ask, 350);
      });
    });
  }

  function live() {
    var region = document.getElementById("live");
    if (!region || region.getAttribute("data-live") !== "running") return;
    var every = parseInt(region.getAttribute("data-poll-ms"), 10) || 1500;
    var rounds = 0, maxRounds = 2400; // bounded: an hour at 1.5 s
    var poll = function () {
      if (++rounds > maxRounds) return;
      fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { setTimeout(poll, every * 2); return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("live");
          if (!fresh) return;
          var current = document.getElementById("live");
          current.replaceWith(document.importNode(fresh, true));
          if (fresh.getAttribute("data-live") === "running") setTimeout(poll, every);
          else document.title = doc.title;
        })
        .catch(function () { setTimeout(poll, every * 2); });
    };
    setTimeout(poll, every);
  }

  function confirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
  }

  function focusResult() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); return; }
    var result = document.querySelector("[data-scroll-to]");
    if (result) result.scrollIntoView({ block: "start" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sourceKinds();
    schedule();
    live();
    confirms();
    focusResult();
  });
})();
