// Kiosk mode. On the survey page, a form left untouched for data-idle-seconds
// is cleared in place, after a visible countdown, so that the next person
// never sees the answers of the one before. A response kept in the queue is
// thanked in place. On the thank-you page, a countdown leads back to a blank
// form once the server answers. The kiosk page is never left for a page that
// needs the network while the network is down: the browser would show its
// error page and the kiosk would stay dead until someone reloads it.
(function () {
  "use strict";
  var RETRY_MS = 5000;

  function countdown(seconds, output, done) {
    var left = seconds;
    output.textContent = String(left);
    var timer = setInterval(function () {
      left -= 1;
      output.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        clearInterval(timer);
        done();
      }
    }, 1000);
    return timer;
  }

  // Open `url` once the server responds. While the server cannot be reached,
  // stay on this page and try again.
  function goWhenReachable(url) {
    var retry = function () { setTimeout(function () { goWhenReachable(url); }, RETRY_MS); };
    if (!window.fetch) {
      window.location.replace(url);
    } else if (navigator.onLine === false) {
      retry();
    } else {
      // replace() keeps the thank-you page out of the history.
      fetch(url, { method: "HEAD", credentials: "same-origin", cache: "no-store" })
        .then(function () { window.location.replace(url); }, retry);
    }
  }

  var restart = document.querySelector("[data-restart-url]");
  if (restart) {
    var url = restart.dataset.restartUrl;
    var started = false;
    var leave = function () {
      if (!started) { started = true; goWhenReachable(url); }
    };
    countdown(parseInt(restart.dataset.restartSeconds, 10) || 8,
      document.getElementById("restart-seconds"), leave);
    var next = document.querySelector("a[data-next]");
    if (next) {
      next.addEventListener("click", function (event) {
        event.preventDefault();
        leave();
      });
    }
    return;
  }

  var form = document.querySelector("form.survey[data-mode='kiosk']");
  if (!form) { return; }
  var idleSeconds = parseInt(form.dataset.idleSeconds, 10) || 90;
  var warnSeconds = Math.min(parseInt(form.dataset.countdownSeconds, 10) || 20, idleSeconds);
  var dialog = document.getElementById("idle-warning");
  var thanks = document.getElementById("kiosk-thanks");
  var idleTimer = null;
  var countTimer = null;
  var thanksTimer = null;
  // Elements of <main> hidden while the thank-you panel shows.
  var hiddenForThanks = [];

  function touched() {
    if (form.querySelector("input:checked")) { return true; }
    var typed = form.querySelectorAll("textarea, input[type='text']");
    return Array.prototype.some.call(typed, function (field) { return field.value !== ""; });
  }

  function renew() {
    if (form.surveySteps) {
      form.surveySteps.renew();
    } else {
      form.reset();
      window.scrollTo(0, 0);
    }
  }

  function reset() {
    if (dialog.open) { dialog.close(); }
    renew();
    wait();
  }

  function warn() {
    if (!touched()) {
      wait();
      return;
    }
    if (!dialog.open) { dialog.showModal(); }
    countTimer = countdown(warnSeconds, document.getElementById("idle-seconds"), reset);
  }

  function wait() {
    clearTimeout(idleTimer);
    clearInterval(countTimer);
    if (dialog.open) { dialog.close(); }
    idleTimer = setTimeout(warn, (idleSeconds - warnSeconds) * 1000);
  }

  function closeThanks() {
    clearInterval(thanksTimer);
    if (thanks.hidden) { return; }
    thanks.hidden = true;
    hiddenForThanks.forEach(function (element) { element.hidden = false; });
    hiddenForThanks = [];
    renew();
    wait();
  }

  // Thank the person for a response kept on this kiosk without leaving the
  // page. The form behind the panel is already blank, with a new submission id.
  function showThanks() {
    if (!thanks) { renew(); return; }
    renew();
    Array.prototype.forEach.call(thanks.parentNode.children, function (element) {
      if (element !== thanks && !element.hidden && element.tagName !== "DIALOG") {
        element.hidden = true;
        hiddenForThanks.push(element);
      }
    });
    thanks.hidden = false;
    window.scrollTo(0, 0);
    thanks.querySelector("h1").focus();
    clearInterval(thanksTimer);
    thanksTimer = countdown(parseInt(thanks.dataset.restartSeconds, 10) || 8,
      document.getElementById("kiosk-thanks-seconds"), closeThanks);
  }

  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, wait, { passive: true, capture: true });
  });
  document.getElementById("idle-continue").addEventListener("click", wait);
  // Escape closes the dialog without a click; the timer starts again.
  dialog.addEventListener("cancel", wait);
  if (thanks) {
    thanks.querySelector("button").addEventListener("click", closeThanks);
  }
  // Register the kiosk's service worker and ask it to keep a copy of this
  // page, so that a reload without a network still shows the form. Browsers
  // without service workers, and pages outside a secure context, go without.
  function keepOffline() {
    var script = form.dataset.serviceWorker;
    if (!script || !("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.register(script).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      registration.active.postMessage({ type: "keep-page" });
    }).catch(function (error) {
      if (window.console) { console.warn("kiosk: no offline copy of the page:", error); }
    });
  }

  form.surveyKiosk = { thank: showThanks };
  wait();
  // After the load event, so that the worker's downloads do not delay the page.
  if (document.readyState === "complete") {
    keepOffline();
  } else {
    window.addEventListener("load", keepOffline);
  }
})();
