// Kiosk mode: after a period without a touch or key, go back to a blank form,
// so that the next person never sees the previous person's answers.
(function () {
  "use strict";
  var form = document.querySelector("form.survey[data-mode='kiosk']");
  if (!form) { return; }
  var idleSeconds = parseInt(form.getAttribute("data-idle-seconds"), 10) || 90;
  var timer = null;
  function reset() {
    form.reset();
    window.location.replace(window.location.pathname);
  }
  function restart() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(reset, idleSeconds * 1000);
  }
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true });
  });
  window.addEventListener("pageshow", function (event) {
    // A page restored from the back-forward cache may still hold answers.
    if (event.persisted) { reset(); }
  });
  restart();
})();
