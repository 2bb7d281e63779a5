/* Small fixes to the theme's page, after it has loaded (deferred). */
(function () {
  "use strict";
  /* The notebook link: a download, not a new tab showing JSON (also over file://). */
  document.querySelectorAll("a.btn-download-source-button").forEach(function (link) {
    link.setAttribute("download", link.getAttribute("href").split("/").pop());
    link.removeAttribute("target");
  });
})();
