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
})();
