// Ask before an action that cannot be undone or that others will see: any form
// (or submit button) with data-confirm names what will happen. A static file, so
// the Content-Security-Policy can keep forbidding inline scripts.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
