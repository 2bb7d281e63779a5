/* One language at a time: <html data-lang="en|zh">, from the reader's last choice, else the
 * browser's language (zh* gives 中文, anything else English). lang.css hides the other one.
 * Bilingual headings "中文 · English" are split into one span per language. */
(function () {
  "use strict";
  var KEY = "lossedu-lang";
  var CJK = /[\u4e00-\u9fff]/;

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function initial() {
    var lang = stored();
    if (lang === "zh" || lang === "en") return lang;
    return /^zh/i.test(navigator.language || "") ? "zh" : "en";
  }
  function setLang(lang) {
    document.documentElement.setAttribute("data-lang", lang);
    document.documentElement.setAttribute("lang", lang === "zh" ? "zh-CN" : "en");
    var button = document.getElementById("lang-toggle");
    if (button) {
      button.textContent = lang === "zh" ? "English" : "中文";
      button.title = lang === "zh" ? "Read in English" : "切换到中文";
    }
    var root = document.documentElement;
    if (!root.dataset.title) root.dataset.title = document.title;
    document.title = pick(root.dataset.title, lang);
  }
  /* "交叉熵 · Cross-entropy — lossedu" -> the part in `lang` of each " — " segment. */
  function pick(text, lang) {
    return text.split(" — ").map(function (segment) {
      var parts = segment.split(" · ");
      if (parts.length !== 2) return segment;
      return (lang === "zh") === CJK.test(parts[0]) ? parts[0] : parts[1];
    }).join(" — ");
  }
  /* Split each element whose text reads "中文 · English" into one span per language. The
   * separator may sit between inline code (`## reduction 参数 · The `reduction` argument`):
   * every child before it goes to one span, every child after it to the other. */
  function splitHeadings(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var found = [], node;
    while ((node = walker.nextNode())) {
      var parent = node.parentNode;
      if (node.nodeValue.indexOf(" · ") >= 0 && CJK.test(parent.textContent) &&
          !parent.closest(".lang-zh, .lang-en, pre, code, .cell_output, script, style")) {
        found.push(node);
      }
    }
    found.forEach(function (text) {
      var parent = text.parentNode, at = text.nodeValue.indexOf(" · ");
      var first = document.createElement("span"), second = document.createElement("span");
      var children = Array.prototype.slice.call(parent.childNodes);
      var target = first;
      children.forEach(function (child) {
        if (child === text) {
          first.appendChild(document.createTextNode(text.nodeValue.slice(0, at)));
          second.appendChild(document.createTextNode(text.nodeValue.slice(at + 3)));
          parent.removeChild(text);
          target = second;
        } else if (!(child.classList && child.classList.contains("headerlink"))) {
          target.appendChild(child);
        }
      });
      var zhFirst = CJK.test(first.textContent);
      first.className = zhFirst ? "lang-zh" : "lang-en";
      second.className = zhFirst ? "lang-en" : "lang-zh";
      parent.insertBefore(second, parent.firstChild);
      parent.insertBefore(first, second);
    });
  }
  function addButton() {
    if (document.getElementById("lang-toggle")) return;
    var button = document.createElement("button");
    button.id = "lang-toggle";
    button.type = "button";
    button.className = "btn btn-sm lang-toggle";
    button.addEventListener("click", function () {
      var next = document.documentElement.getAttribute("data-lang") === "zh" ? "en" : "zh";
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      setLang(next);
    });
    var bar = document.querySelector(".article-header-buttons") ||
              document.querySelector(".header-article-items__end") || document.body;
    bar.insertBefore(button, bar.firstChild);
  }

  setLang(initial());
  document.addEventListener("DOMContentLoaded", function () {
    splitHeadings(document.body);
    addButton();
    setLang(document.documentElement.getAttribute("data-lang"));
    /* Search results arrive after load: split their titles too. */
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) { if (n.nodeType === 1) splitHeadings(n); });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
