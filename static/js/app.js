// Behaviour every page shares (no inline scripts: a Content-Security-Policy is coming).
// A <select class="autosubmit"> (the language switch) submits its form when changed.
document.addEventListener("change", function (event) {
  var control = event.target;
  if (control.classList && control.classList.contains("autosubmit") && control.form) control.form.submit();
});
