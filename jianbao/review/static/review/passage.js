// Selecting text in an article on the issue page (its 正文 or its comparison) fills
// that article's 所引原文 field: what the reader reads, without the hidden 插入/删除
// labels and without deleted text, which the article no longer has.
(function () {
  "use strict";
  var LIMIT = 500;

  function articleOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("li[id^='article-']") : null;
  }

  function readable(range) {
    var box = document.createElement("div");
    box.appendChild(range.cloneContents());
    box.querySelectorAll(".sr-only, del, .diff-label, .diff-fold, .diff-legend, form, summary, h4").forEach(function (el) {
      el.remove();
    });
    box.querySelectorAll("p, div, tr, li").forEach(function (el) {
      el.appendChild(document.createTextNode("\n"));
    });
    return box.textContent.replace(/[ \t]+\n/g, "\n").replace(/\n{2,}/g, "\n").trim();
  }

  function take() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    var article = articleOf(selection.anchorNode);
    if (!article || article !== articleOf(selection.focusNode)) return;
    var field = article.querySelector("textarea[data-review-passage]");
    if (!field || field.contains(selection.anchorNode)) return;
    var active = document.activeElement;
    if (active && (active.tagName === "TEXTAREA" || active.tagName === "INPUT")) return;
    var text = readable(selection.getRangeAt(0)).slice(0, LIMIT);
    if (text) field.value = text;
  }

  document.addEventListener("mouseup", take);
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey) take();
  });
})();
