// fir: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Print buttons (incident pages print as follow-up sheets, reports on A4): shown
  // only where this script runs, since printing needs it.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Sortable incident tables: click a column header to sort this page's rows.
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.getAttribute("data-value") || cell.textContent.trim();
  }

  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b);
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      th.tabIndex = 0;
      th.classList.add("sort");
      function sort() {
        var body = table.tBodies[0];
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var order = compare(cellValue(r1, index), cellValue(r2, index));
          return ascending ? order : -order;
        });
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });

  // Follow-up tasks past their deadline, as of now (the page is the same every day):
  // a day-only deadline is due by the end of that day.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  var now = new Date();
  var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  document.querySelectorAll("[data-due]").forEach(function (cell) {
    var due = cell.getAttribute("data-due");
    var late = due.length === 10 ? due < today : Date.parse(due) < now.getTime();
    var table = cell.closest("[data-overdue]");
    if (!late || !table) { return; }
    cell.parentNode.classList.add("overdue");
    var flag = document.createElement("span");
    flag.className = "flag overdue";
    flag.textContent = table.getAttribute("data-overdue");
    cell.appendChild(document.createTextNode(" "));
    cell.appendChild(flag);
  });

  // Copy buttons next to artifacts: they copy the real (refanged) value. Made here
  // for each element with `data-copy` (labels from the nearest `data-copy-label`),
  // since without this script they would do nothing; the defanged value stays readable.
  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
    } else {
      fallbackCopy(text, done);
    }
  }

  // For file:// and plain HTTP pages, where the clipboard API may be missing.
  function fallbackCopy(text, done) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) done(); } catch (e) { /* nothing to do */ }
    document.body.removeChild(area);
  }

  document.querySelectorAll("[data-copy]").forEach(function (holder) {
    var labels = holder.closest("[data-copy-label]");
    if (!labels) { return; }
    var label = labels.getAttribute("data-copy-label");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.title = labels.getAttribute("data-copy-hint") || "";
    button.textContent = label;
    holder.appendChild(document.createTextNode(" "));
    holder.appendChild(button);
    button.addEventListener("click", function () {
      copyText(holder.getAttribute("data-copy"), function () {
        button.textContent = labels.getAttribute("data-copied") || label;
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });

  // Incident pages' and the Tasks page's forms that call fir serve's API (fir.toml's
  // `api_url`): a timeline entry, a nugget, a task, a task marked done. Shown only over HTTP,
  // where a server can answer. Once the change is saved, the page reloads when the
  // rebuilt page is served (its ETag changes), so the reader sees it as everybody will.
  // The forms are the same on every incident page: static/fir-forms.js carries them
  // once, and each page has slots saying which incident they are for and its values.
  var firForms = window.firForms || {};
  var choices = firForms.choices || {};
  var online = /^https?:$/.test(location.protocol);
  if (online && firForms.forms) {
    document.querySelectorAll("[data-api-form]").forEach(function (slot) {
      slot.innerHTML = firForms.forms[slot.getAttribute("data-api-form")] || "";
      var incident = encodeURIComponent(slot.getAttribute("data-incident"));
      slot.querySelectorAll("form[data-api-path]").forEach(function (form) {
        form.setAttribute("data-api", firForms.api + "/incidents/" + incident + "/" + form.getAttribute("data-api-path"));
      });
      // A list of changes starts with the incident's value, which it does not offer.
      slot.querySelectorAll("select[data-kept]").forEach(function (select) {
        var current = slot.getAttribute("data-" + select.name);
        if (current === null) { return; }
        var known = (choices[select.getAttribute("data-options")] || []).filter(function (c) { return c.value === current; });
        select.setAttribute("data-current", current);
        select.options[0].textContent = select.getAttribute("data-kept").replace("{value}", known.length ? known[0].label : current);
      });
    });
  }
  var labels = document.querySelector("[data-api-labels]");
  if (labels && online) {
    var tokenField = labels.querySelector("[data-api-token]");
    var tokenInput = tokenField.querySelector("input");
    var TOKEN_KEY = "fir-api-token";
    try { tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { /* none kept */ }
    tokenField.hidden = !tokenInput.value;

    var pageTag = function () {
      return fetch(location.href, { method: "HEAD", cache: "no-store" })
        .then(function (r) { return r.headers.get("ETag"); }, function () { return null; });
    };
    var reloadWhenRebuilt = function (before, say) {
      var tries = 0;
      var poll = function () {
        pageTag().then(function (now) {
          if (before && now && now !== before) { location.reload(); return; }
          if (++tries < 50) { setTimeout(poll, 300); } else { say(labels.getAttribute("data-late")); }
        });
      };
      poll();
    };
    // Why the server refused, in words: each field's problem, or its plain answer.
    var refusal = function (response) {
      return response.text().then(function (body) {
        try {
          return JSON.parse(body).errors.map(function (e) { return e.field + ": " + e.message; }).join(" ");
        } catch (e) { return body || String(response.status); }
      });
    };
    // Posts `body` as JSON to `url`; `say` shows progress, `finished` runs unless saved.
    var callApi = function (url, body, say, finished) {
      var token = tokenInput.value.trim();
      var headers = { "Content-Type": "application/json" };
      if (token) { headers.Authorization = "Bearer " + token; }
      say(labels.getAttribute("data-sending"));
      pageTag().then(function (before) {
        return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "include" })
          .then(function (response) {
            if (response.ok) {
              try { if (token) { sessionStorage.setItem(TOKEN_KEY, token); } } catch (e) { /* asked again next page */ }
              say(labels.getAttribute("data-saved"));
              reloadWhenRebuilt(before, say);
              return;
            }
            if (response.status === 401) {
              tokenField.hidden = false;
              tokenInput.focus();
              say(labels.getAttribute("data-token"));
            } else {
              refusal(response).then(function (why) { say(labels.getAttribute("data-failed") + " " + why); });
            }
            finished();
          });
      }).catch(function () { say(labels.getAttribute("data-failed") + " " + url); finished(); });
    };

    // The lists' choices, the same on every page, come from static/fir-forms.js; the
    // current value (`data-current`) is the list's first line already.
    document.querySelectorAll("select[data-options]").forEach(function (select) {
      var current = select.getAttribute("data-current");
      (choices[select.getAttribute("data-options")] || []).forEach(function (choice) {
        if (choice.value === current) { return; }
        var option = document.createElement("option");
        option.value = choice.value;
        option.textContent = choice.label;
        select.appendChild(option);
      });
    });
    document.querySelectorAll("[data-api-part]").forEach(function (part) { part.hidden = false; });
    document.querySelectorAll("form[data-api]").forEach(function (form) {
      var status = form.querySelector(".form-status");
      var button = form.querySelector("button[type=submit]");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = {};
        form.querySelectorAll("[name]").forEach(function (field) {
          if (field.value.trim() !== "") { body[field.name] = field.value; }
        });
        button.disabled = true;
        callApi(form.getAttribute("data-api"), body,
          function (text) { status.textContent = text; },
          function () { button.disabled = false; });
      });
    });
    document.querySelectorAll("[data-api-post]").forEach(function (button) {
      var status = button.nextElementSibling;
      button.hidden = false;
      button.addEventListener("click", function () {
        button.disabled = true;
        callApi(button.getAttribute("data-api-post"), {},
          function (text) { status.textContent = text; },
          function () { button.disabled = false; });
      });
    });
  }
})();
