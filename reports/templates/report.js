/* gongkai report: sortable tables and row filters. Inlined into each page under a CSP hash;
   it only reorders rows and toggles the hidden attribute, never writes markup, so crawled
   text stays text. Without JavaScript the tables are complete and the filters stay hidden. */
(function () {
  "use strict";

  function cellKey(row, col, numeric) {
    var cell = row.cells[col];
    if (!cell) { return numeric ? null : ""; }
    var raw = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    if (!numeric) { return raw; }
    var n = parseFloat(raw);
    return isNaN(n) ? null : n;
  }

  function sortTable(table, th) {
    var col = parseInt(th.getAttribute("data-col"), 10);
    var numeric = th.getAttribute("data-sort") === "num";
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) {
      return !r.classList.contains("empty-row");
    });
    var collator = new Intl.Collator("zh-CN", { numeric: true });
    rows.sort(function (a, b) {
      var x = cellKey(a, col, numeric), y = cellKey(b, col, numeric);
      var r;
      if (numeric) {
        if (x === null || y === null) { return (x === null) - (y === null); } /* blanks last */
        r = x - y;
      } else {
        r = collator.compare(x, y);
      }
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll("th[data-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortTable(table, th); });
    });
  });

  function applyFilters(bar) {
    var scope = document.getElementById(bar.getAttribute("data-scope"));
    if (!scope) { return; }
    var wanted = [];
    bar.querySelectorAll("select[data-filter]").forEach(function (s) {
      if (s.value) { wanted.push([s.getAttribute("data-filter"), s.value]); }
    });
    var rows = scope.querySelectorAll("tbody tr[data-filterable]");
    var shown = 0;
    rows.forEach(function (row) {
      var ok = wanted.every(function (w) {
        var v = row.getAttribute("data-" + w[0]) || "";
        return v.split(" ").indexOf(w[1]) >= 0;
      });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    /* A group whose rows are all filtered out is hidden with them. */
    scope.querySelectorAll("[data-group]").forEach(function (g) {
      g.hidden = g.querySelector("tbody tr[data-filterable]:not([hidden])") === null;
    });
    var out = bar.querySelector("output");
    if (out) { out.textContent = "显示 " + shown + " / " + rows.length + " 行"; }
  }

  document.querySelectorAll(".filters[data-scope]").forEach(function (bar) {
    bar.hidden = false;
    bar.querySelectorAll("select[data-filter]").forEach(function (s) {
      s.addEventListener("change", function () { applyFilters(bar); });
    });
    var reset = bar.querySelector("button.reset");
    if (reset) {
      reset.addEventListener("click", function () {
        bar.querySelectorAll("select[data-filter]").forEach(function (s) { s.value = ""; });
        applyFilters(bar);
      });
    }
    applyFilters(bar);
  });
  document.documentElement.setAttribute("data-js", "ready");
})();
