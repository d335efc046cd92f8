// The language switch: a link in the menu bar to the same page, at the same
// place, in the other book. The English book is the site's root; the Chinese
// one is built into its zh-CN/ folder (scripts/build-book.sh), with the same
// file names and, through the headings' {#id} attributes in po/zh-CN.po, the
// same anchors. mdBook defines `path_to_root` (the way from this page to the
// book's root) on every page.
(function () {
    "use strict";
    var chinese = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
    var root = new URL(typeof path_to_root === "string" ? path_to_root || "./" : "./", location.href);
    var page = location.href.split("#")[0].slice(root.href.length);
    var other = chinese ? new URL("../", root) : new URL("zh-CN/", root);
    var link = document.createElement("a");
    link.className = "lang-switch";
    link.href = other.href + page + location.hash;
    link.hreflang = chinese ? "en" : "zh-CN";
    link.lang = chinese ? "en" : "zh-CN";
    link.textContent = chinese ? "English" : "中文";
    link.title = chinese ? "Read this page in English" : "阅读本页的中文版";
    // Follow the reader within the page: the link keeps the current anchor.
    window.addEventListener("hashchange", function () {
        link.href = other.href + page + location.hash;
    });
    var buttons = document.querySelector(".right-buttons");
    if (buttons) {
        buttons.insertBefore(link, buttons.firstChild);
    }
})();
