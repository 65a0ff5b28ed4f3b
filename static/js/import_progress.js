// Follows an import job until it is final, then reloads the page to show the result. No libraries needed.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.final === "1") return;
  var final = ["succeeded", "failed", "rejected", "error", "cancelled", "stale"];
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("bar").style.width = job.progress_percent + "%";
        document.getElementById("state").textContent = job.state_display;
        document.getElementById("rows").textContent = job.processed_rows + " / " + job.total_rows;
        if (final.indexOf(job.state) >= 0) { window.location.reload(); } else { setTimeout(poll, 700); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
