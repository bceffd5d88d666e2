// 复制微信版: the WeChat HTML goes to the clipboard as text/html (with a plain-text
// copy), so that pasting into the WeChat editor keeps its inline styles. Where the
// asynchronous clipboard cannot write HTML, the post is rendered off screen,
// selected and copied the old way. A static file: the CSP forbids inline scripts.
(function () {
  var button = document.getElementById("copy-wechat");
  if (!button) return;
  var source = document.getElementById(button.dataset.source);
  var status = document.getElementById(button.dataset.status);
  button.hidden = false;

  function say(text) {
    status.textContent = text;
  }

  function plainText(html) {
    // Parsed inert: nothing in it loads or runs.
    return new DOMParser().parseFromString(html, "text/html").body.textContent || "";
  }

  function copyBySelection(html) {
    var holder = document.createElement("div");
    holder.className = "copy-fallback";
    holder.setAttribute("aria-hidden", "true");
    holder.innerHTML = html;
    document.body.appendChild(holder);
    var range = document.createRange();
    range.selectNodeContents(holder);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    selection.removeAllRanges();
    holder.remove();
    return done;
  }

  button.addEventListener("click", function () {
    var html = source.value;
    var copied = "已复制微信版，可以到公众号编辑器中粘贴。";
    var failed = "浏览器不允许复制，请在下面的预览中全选（Ctrl+A）后复制。";
    if (navigator.clipboard && window.ClipboardItem && navigator.clipboard.write) {
      var item = new ClipboardItem({
        "text/html": new Blob([html], { type: "text/html" }),
        "text/plain": new Blob([plainText(html)], { type: "text/plain" }),
      });
      navigator.clipboard.write([item]).then(
        function () { say(copied); },
        function () { say(copyBySelection(html) ? copied : failed); }
      );
    } else {
      say(copyBySelection(html) ? copied : failed);
    }
  });
})();
