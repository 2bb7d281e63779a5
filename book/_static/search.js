/* The search page: under each page found, a snippet around the first match (in a section
 * found, the first match from where that section starts), in the reader's language where the
 * page has the words there (the other language otherwise; a Chinese query in the Chinese text
 * first), and a section found titled in the reader's language. The page texts and titles come
 * from searchtext.js (written by the build), so this works from file:// too. */
(function () {
  "use strict";
  var WIDTH = 80;  /* characters of context on each side of the match */

  /* The whole query first, then its words, longest first. */
  function terms() {
    var query = (new URLSearchParams(window.location.search).get("q") || "").trim();
    var words = typeof splitQuery === "function" ? splitQuery(query) : query.split(/\s+/);
    words = words.filter(Boolean).sort(function (a, b) { return b.length - a.length; });
    return [query].concat(words).map(function (w) { return w.toLowerCase(); });
  }
  /* The first place in `text` of the first term (or, for English, its stem) that occurs. */
  function firstMatch(text, words) {
    var lower = text.toLowerCase(), best = null;
    words.some(function (word) {
      var stem = typeof Stemmer === "function" ? new Stemmer().stemWord(word) : word;
      [word, stem].forEach(function (w) {
        var at = w ? lower.indexOf(w) : -1;
        if (at >= 0 && (best === null || at < best.at)) best = { at: at, length: w.length };
      });
      return best !== null;
    });
    return best;
  }
  /* The first match in `text` at or after `from`, else anywhere. */
  function matchFrom(text, words, from) {
    var after = from ? firstMatch(text.slice(from), words) : null;
    if (after) return { at: after.at + from, length: after.length };
    return firstMatch(text, words);
  }
  function snippet(docname, section) {
    var texts = (window.LOSSEDU_TEXT || {})[docname];
    if (!texts) return null;
    var lang = document.documentElement.getAttribute("data-lang") || "en";
    var words = terms();
    /* Chinese looked for in the Chinese text first, whichever the reader's language. */
    var order = lang === "zh" || /[\u4e00-\u9fff]/.test(words[0]) ? ["zh", "en"] : ["en", "zh"];
    for (var i = 0; i < order.length; i++) {
      var starts = (texts.sections || {})[order[i]] || {};
      var from = starts[section] || 0;
      var text = texts[order[i]], match = text && matchFrom(text, words, from);
      /* a match in the section: its context starts no earlier than the section */
      if (match) return { lang: order[i], text: text, match: match, from: match.at >= from ? from : 0 };
    }
    return { lang: lang, text: texts[lang], match: null };
  }
  function render(found) {
    var p = document.createElement("p");
    p.className = "context lossedu-snippet";
    p.setAttribute("lang", found.lang === "zh" ? "zh-CN" : "en");
    var text = found.text, m = found.match || { at: 0, length: 0 };
    var start = Math.max(found.from || 0, m.at - WIDTH), end = Math.min(text.length, m.at + m.length + WIDTH);
    p.appendChild(document.createTextNode((start > 0 ? "…" : "") + text.slice(start, m.at)));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(m.at, m.at + m.length);
    p.appendChild(mark);
    p.appendChild(document.createTextNode(text.slice(m.at + m.length, end) + (end < text.length ? "…" : "")));
    return p;
  }
  /* A section found by one half of its title ("熵" of "熵 · Entropy"): its link reads
   * "page > section" in each language, the reader's shown. */
  function retitle(link, docname, section) {
    var titles = ((window.LOSSEDU_TEXT || {})[docname] || {}).titles || {};
    var page = titles[""], own = titles[section];
    if (!section || !page || !own) return;
    link.textContent = "";
    ["zh", "en"].forEach(function (lang) {
      var span = document.createElement("span");
      span.className = "lang-" + lang;
      span.textContent = page[lang] === own[lang] ? page[lang] : page[lang] + " > " + own[lang];
      link.appendChild(span);
    });
  }
  function addSnippet(item) {
    var link = item.querySelector("a");
    if (!link || item.querySelector(".lossedu-snippet")) return;
    var root = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
    var path = decodeURIComponent(new URL(link.href).pathname).slice(decodeURIComponent(root.pathname).length);
    var section = decodeURIComponent(new URL(link.href).hash.slice(1));
    var docname = path.replace(/\.html$/, "");
    retitle(link, docname, section);
    var found = snippet(docname, section);
    if (found && found.text) item.appendChild(render(found));
  }
  function refresh() {
    document.querySelectorAll("#search-results ul.search > li").forEach(function (item) {
      var old = item.querySelector(".lossedu-snippet");
      if (old) old.remove();
      addSnippet(item);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var results = document.getElementById("search-results");
    if (!results) return;
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) { if (n.nodeName === "LI") addSnippet(n); });
      });
    }).observe(results, { childList: true, subtree: true });
    /* The language switch: snippets in the new language. */
    new MutationObserver(refresh).observe(document.documentElement,
                                          { attributes: true, attributeFilter: ["data-lang"] });
  });
})();
