// geoatlas serve: poll the build state; reload when a new build is ready, show check
// problems in a panel over the last good map. Text goes in as text nodes, never HTML.
(function () {
  "use strict";
  var loaded = window.GA_LIVE_VERSION;
  var failures = 0;
  var panel = null;

  function showProblems(problems) {
    if (!panel) {
      panel = document.createElement("section");
      panel.id = "ga-live-error";
      panel.setAttribute("role", "alert");
      panel.style.cssText = "position:fixed;z-index:10000;left:12px;right:12px;top:12px;" +
        "max-height:60vh;overflow:auto;background:#fff5f5;color:#3b0d0d;border:2px solid #b3261e;" +
        "border-radius:6px;padding:10px 14px;font:14px/1.4 system-ui,sans-serif;" +
        "box-shadow:0 4px 16px rgba(0,0,0,.25)";
      document.body.appendChild(panel);
    }
    panel.textContent = "";
    var h = document.createElement("h2");
    h.style.cssText = "margin:0 0 6px;font-size:16px";
    h.textContent = "geoatlas check found " + problems.length + " problem" +
      (problems.length === 1 ? "" : "s") + " \u2014 showing the last good map";
    panel.appendChild(h);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:18px;font-family:ui-monospace,monospace;font-size:13px";
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p;
      list.appendChild(li);
    });
    panel.appendChild(list);
  }

  function poll() {
    fetch("/__geoatlas/state", { cache: "no-store" }).then(function (r) { return r.json(); })
      .then(function (state) {
        failures = 0;
        if (state.problems.length) {
          showProblems(state.problems);
        } else if (state.version !== loaded) {
          window.location.reload();
          return;
        } else if (panel) {
          panel.remove();
          panel = null;
        }
        setTimeout(poll, 700);
      })
      .catch(function () {
        failures += 1;
        if (failures < 20) { setTimeout(poll, 1500); }  // the server stopped: give up
      });
  }
  setTimeout(poll, 300);
})();
