// Drag and drop between the sections of an issue (Sortable + htmx).
// A static file, not an inline script, so the Content-Security-Policy can forbid those;
// the CSRF token reaches htmx through the hx-headers attribute around the page's content.
document.querySelectorAll("[data-sortable]").forEach(function (list) {
  new Sortable(list, {group: "articles", handle: ".handle", animation: 150,
    onEnd: function (evt) {
      // Both lists change when an article crosses sections; tell the server about each.
      htmx.trigger(evt.to, "end");
      if (evt.from !== evt.to) { htmx.trigger(evt.from, "end"); }
    }});
});
