/* One language at a time: <html data-lang="en|zh">, from the reader's last choice, else the
 * browser's language (zh* gives 中文, anything else English). lang.css hides the other one.
 * - Bilingual headings "中文 · English" are split into one span per language.
 * - The theme's own words (built in English) are swapped for Chinese ones: buttons, tooltips,
 *   aria labels, the search page. This runs when the page has been parsed, before the theme's
 *   scripts make their tooltips, and again on each switch.
 * - Every piece of text carries its language (`lang`), so Chinese in an English page is drawn
 *   with Simplified Chinese glyphs. */
(function () {
  "use strict";
  var KEY = "lossedu-lang";
  var CJK = /[\u4e00-\u9fff]/;
  var CJK_RUN = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+/g;
  var ATTRS = ["title", "aria-label", "placeholder", "data-bs-title", "data-bs-original-title",
               "data-tooltip"];
  /* The theme's words, English -> 中文 (after the themes' zh_CN catalogues where they have one). */
  var ZH = {
    "Search": "搜索",
    "Search this book...": "搜索本书……",
    "Contents": "目录",
    "previous": "上一页",
    "next": "下一页",
    "previous page": "上一页",
    "next page": "下一页",
    "By The lossedu authors": "作者：lossedu 课程组",
    "© Copyright 2026.": "© 版权所有 2026。",
    "Skip to main content": "跳到正文",
    "Back to top": "回到顶部",
    "Toggle primary sidebar": "显示或隐藏章节列表",
    "Toggle secondary sidebar": "显示或隐藏本页目录",
    "Download this page": "下载此页面",
    "Download source file": "下载笔记本文件",
    "Print to PDF": "打印为 PDF",
    "Fullscreen mode": "全屏模式",
    "Color mode": "颜色模式",
    "Light": "浅色",
    "Dark": "深色",
    "System Settings": "跟随系统",
    "Index": "索引",
    "Main": "章节",
    "Page": "本页",
    "Version warning": "版本提示",
    "Link to this heading": "链接到此标题",
    "Link to this equation": "链接到此公式",
    "Copy": "复制",
    "Copied!": "已复制！",
    "Toggle hidden content": "展开或收起",
    "Search Results": "搜索结果",
    "Searching": "正在搜索",
    "Preparing search...": "正在准备搜索……",
    "Hide Search Matches": "隐藏搜索结果",
    "Error": "错误",
    "Please activate JavaScript to enable the search functionality.": "请启用 JavaScript 以使用搜索功能。",
    "Your search did not match any documents. Please make sure that all words are spelled correctly and that you've selected enough categories.":
      "没有找到匹配的页面。请检查拼写，或换个词再试。"
  };
  /* Words with a number in them: [English pattern, 中文 with $1]. */
  var ZH_PATTERNS = [
    [/^Search finished, found (\d+) page\(s\) matching the search query\.$/, "搜索完成，共找到 $1 个页面。"]
  ];
  var EN_PATTERNS = [[/^搜索完成，共找到 (\d+) 个页面。$/,
                      "Search finished, found $1 page(s) matching the search query."]];

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function initial() {
    var lang = stored();
    if (lang === "zh" || lang === "en") return lang;
    return /^zh/i.test(navigator.language || "") ? "zh" : "en";
  }
  function current() { return document.documentElement.getAttribute("data-lang"); }

  /* A theme string in `lang`: the English original (from the build) or its Chinese. */
  var tracked = [];  /* [node, attribute or null, English original] */
  function wordIn(english, lang) {
    if (lang === "en") return english;
    if (ZH.hasOwnProperty(english)) return ZH[english];
    for (var i = 0; i < ZH_PATTERNS.length; i++) {
      if (ZH_PATTERNS[i][0].test(english)) return english.replace(ZH_PATTERNS[i][0], ZH_PATTERNS[i][1]);
    }
    return null;
  }
  function english(text) {
    if (wordIn(text, "zh") !== null) return text;
    for (var i = 0; i < EN_PATTERNS.length; i++) {
      if (EN_PATTERNS[i][0].test(text)) return text.replace(EN_PATTERNS[i][0], EN_PATTERNS[i][1]);
    }
    return null;
  }
  function show(entry, lang) {
    var node = entry[0], attr = entry[1], word = wordIn(entry[2], lang);
    if (attr) {
      /* Bootstrap moves a tooltip's title to data-bs-original-title when it makes it. */
      var moved = attr === "title" && node.hasAttribute("data-bs-original-title");
      node.setAttribute(moved ? "data-bs-original-title" : attr, word);
      /* ... and, on a button without text, copies it to aria-label. */
      var label = node.getAttribute("aria-label");
      if (moved && (label === entry[2] || label === wordIn(entry[2], "zh"))) {
        node.setAttribute("aria-label", word);
      }
      var tip = window.bootstrap && bootstrap.Tooltip && bootstrap.Tooltip.getInstance(node);
      if (tip && attr !== "aria-label") tip.setContent({".tooltip-inner": word});
    } else {
      var value = node.nodeValue;
      node.nodeValue = value.replace(value.trim(), word);
    }
  }
  /* Find the theme's words under `root` (not the chapters' own text) and show them in `lang`. */
  function translate(root, lang) {
    var inContent = function (el) {
      return el.closest("article") && !el.closest("summary, .headerlink, .copybtn");
    };
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim(), original = text && english(text);
      if (original && !inContent(node.parentElement) && !node.__losseduWord) {
        node.__losseduWord = true;
        tracked.push([node, null, original]);
        show(tracked[tracked.length - 1], lang);
      }
    }
    var elements = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
    elements.forEach(function (el) {
      ATTRS.forEach(function (attr) {
        var value = el.getAttribute(attr), original = value && english(value.trim());
        el.__losseduAttrs = el.__losseduAttrs || {};
        if (original && !el.__losseduAttrs[attr]) {
          el.__losseduAttrs[attr] = true;
          tracked.push([el, attr, original]);
          show(tracked[tracked.length - 1], lang);
        }
      });
    });
  }

  /* Mark each language's text: containers of one language, and in English, runs of Chinese. */
  function markLanguages(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".lang-zh, .lang-en"), function (el) {
      el.setAttribute("lang", el.classList.contains("lang-zh") ? "zh-CN" : "en");
    });
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), found = [], node;
    while ((node = walker.nextNode())) {
      var parent = node.parentElement, math = parent && parent.closest("math");
      if (!CJK.test(node.nodeValue) || !parent || parent.closest("[lang|='zh'], script, style")) continue;
      if (math) math.setAttribute("lang", "zh-CN");  /* no span inside MathML */
      else found.push(node);
    }
    found.forEach(function (text) {
      var parent = text.parentNode;
      if (parent.childNodes.length === 1 && !/[A-Za-z]/.test(text.nodeValue)) {
        parent.setAttribute("lang", "zh-CN");  /* all Chinese: mark the element itself */
        return;
      }
      var html = document.createDocumentFragment(), value = text.nodeValue, last = 0, m;
      CJK_RUN.lastIndex = 0;
      while ((m = CJK_RUN.exec(value))) {
        html.appendChild(document.createTextNode(value.slice(last, m.index)));
        var span = document.createElement("span");
        span.className = "lossedu-zh";
        span.setAttribute("lang", "zh-CN");
        span.textContent = m[0];
        html.appendChild(span);
        last = m.index + m[0].length;
      }
      html.appendChild(document.createTextNode(value.slice(last)));
      parent.replaceChild(html, text);
    });
  }

  function setLang(lang) {
    var root = document.documentElement;
    root.setAttribute("data-lang", lang);
    root.setAttribute("lang", lang === "zh" ? "zh-CN" : "en");
    var button = document.getElementById("lang-toggle");
    if (button) {
      button.textContent = lang === "zh" ? "English" : "中文";
      button.setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
      button.title = lang === "zh" ? "Read in English" : "切换到中文";
    }
    if (!root.dataset.title) root.dataset.title = document.title;
    document.title = pick(root.dataset.title, lang);
    tracked.forEach(function (entry) { show(entry, lang); });
  }
  /* "交叉熵 · Cross-entropy — lossedu" -> the part in `lang` of each " — " segment;
   * "Search - lossedu" -> "搜索 - lossedu". */
  function pick(text, lang) {
    var title = text.split(" — ").map(function (segment) {
      var parts = segment.split(" · ");
      if (parts.length !== 2) return segment;
      return (lang === "zh") === CJK.test(parts[0]) ? parts[0] : parts[1];
    }).join(" — ");
    var search = / - /.test(title) ? title.split(" - ") : null;
    if (search && english(search[0])) title = [wordIn(search[0], lang)].concat(search.slice(1)).join(" - ");
    return /lossedu/.test(title) ? title : title + " — lossedu";
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
      /* A search result "章 · Chapter > 节 · Section": one whole span per language. */
      if (text.nodeValue.indexOf(" > ") >= 0) {
        ["zh", "en"].forEach(function (lang) {
          var span = document.createElement("span");
          span.className = "lang-" + lang;
          span.textContent = text.nodeValue.split(" > ").map(function (part) {
            return pick(part, lang).replace(/ — lossedu$/, "");
          }).join(" > ");
          text.parentNode.insertBefore(span, text);
        });
        text.parentNode.removeChild(text);
        return;
      }
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
      var next = current() === "zh" ? "en" : "zh";
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      setLang(next);
    });
    var bar = document.querySelector(".article-header-buttons") ||
              document.querySelector(".header-article-items__end") || document.body;
    bar.insertBefore(button, bar.firstChild);
  }
  function prepare(root) {
    splitHeadings(root);
    markLanguages(root);
    translate(root, current());
  }

  setLang(initial());
  /* "interactive": the page is parsed, the theme's deferred scripts have not run yet. */
  document.addEventListener("readystatechange", function once() {
    if (document.readyState !== "interactive") return;
    document.removeEventListener("readystatechange", once);
    prepare(document.body);
    addButton();
    setLang(current());
    /* Search results and theme widgets arrive later: prepare them too. */
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) {
          if (n.nodeType === 1 && !n.classList.contains("lossedu-zh")) prepare(n);
          else if (n.nodeType === 3 && n.parentNode && english(n.nodeValue.trim())) prepare(n.parentNode);
        });
      });
    }).observe(document.body, { childList: true, subtree: true, characterData: false });
  });
  window.losseduLang = { current: current, pick: pick };
})();
