/* Small fixes to the theme's page, after it has loaded (deferred). */
(function () {
  "use strict";
  /* Save `text` as a file named `name`, from memory (a blob has the page's origin). */
  window.losseduSaveNotebook = function (name, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/x-ipynb+json" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  };
  /* A notebook link downloads, also over file://, where the browser would show the JSON:
   * there the build's copy of the notebook as a script is loaded and saved from memory. */
  function download(event) {
    if (window.location.protocol !== "file:") return;
    event.preventDefault();
    var script = document.createElement("script");
    script.src = this.href + ".js";
    script.onload = function () { script.remove(); };
    document.head.appendChild(script);
  }
  document.querySelectorAll("a.btn-download-source-button, .run-locally a[href$='.ipynb']")
    .forEach(function (link) {
      link.setAttribute("download", link.getAttribute("href").split("/").pop());
      link.removeAttribute("target");
      link.addEventListener("click", download);
    });
  /* A formula that scrolls in its box can be scrolled from the keyboard too (checked again
   * whenever its box changes size: the window, or the language toggle showing it). */
  var formulas = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var box = entry.target;
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  });
  document.querySelectorAll(".bd-article div.math").forEach(function (box) {
    formulas.observe(box);
  });
})();
