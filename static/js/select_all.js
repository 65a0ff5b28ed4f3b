// "Select all" checkboxes of the list pages: <input type="checkbox" class="select-all" data-target="ids"> ticks
// every checkbox named by data-target in the same form.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("select-all")) return;
  var scope = box.form || document;
  scope.querySelectorAll('input[type=checkbox][name="' + box.dataset.target + '"]').forEach(function (c) {
    c.checked = box.checked;
  });
});
