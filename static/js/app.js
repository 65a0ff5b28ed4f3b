/* Small behaviours every page shares, kept out of the templates so the Content-Security-Policy can forbid inline
 * script. Plain ES2015, no libraries, no build step; every page still works without it.
 *   select[data-autosubmit]    submits its form when the choice changes (the language switch)
 *   input[data-select-all]     checks or unchecks every checkbox named by its value (the patent list's "all")
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    } else if (el.matches("input[data-select-all]")) {
      document.querySelectorAll('input[name="' + el.dataset.selectAll + '"]').forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });
})();
