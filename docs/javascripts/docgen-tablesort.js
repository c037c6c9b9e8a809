// Makes the tables of docgen's quality page sortable by a click on a column heading.
// Tablesort itself is loaded from extra_javascript in mkdocs.yml (a CDN); without it, or
// offline, the tables stay as they are, sorted by module.
document$.subscribe(function () {
  if (typeof Tablesort === "undefined") return
  document.querySelectorAll("article table:not([class])").forEach(function (table) {
    new Tablesort(table)
  })
})
