// Step-by-step survey: shows one section of the form at a time with a progress
// bar. The server renders the whole questionnaire as one form, which still
// works when this script does not run.
(function () {
  "use strict";
  var form = document.querySelector("form.survey");
  if (!form) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
  var backButton = form.querySelector("[data-step='back']");
  var nextButton = form.querySelector("[data-step='next']");
  var submitButton = form.querySelector("button[type='submit']");
  var count = document.getElementById("step-count");
  var bar = document.getElementById("step-bar");
  var alertBox = form.querySelector(".step-alert");
  // Optional fields that follow the questions belong to the last step.
  var extras = Array.prototype.slice.call(form.querySelectorAll(".respondent-extra"));
  var notice = document.querySelector("details.privacy-notice");
  var current = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return name in values ? String(values[name]) : match;
    });
  }

  function show(index, focusHeading) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (step, position) { step.hidden = position !== current; });
    var last = current === steps.length - 1;
    backButton.hidden = current === 0;
    nextButton.hidden = last;
    submitButton.hidden = !last;
    extras.forEach(function (extra) { extra.hidden = !last; });
    // The notice stays open on the first step and one tap away after it.
    if (notice && current > 0) { notice.open = false; }
    count.textContent = fill(form.dataset.progress, { current: current + 1, total: steps.length });
    bar.value = current + 1;
    if (focusHeading) {
      window.scrollTo(0, 0);
      steps[current].querySelector("h2").focus();
    }
  }

  function stepOf(element) {
    for (var i = 0; i < steps.length; i += 1) {
      if (steps[i].contains(element)) { return i; }
    }
    return -1;
  }

  // A fieldset's problem in the browser: a required choice left blank or too
  // many boxes ticked. The server checks the same rules again on submit.
  function problemOf(fieldset) {
    var required = fieldset.querySelector("input[required]");
    var chosen = fieldset.querySelectorAll("input:checked").length;
    if (required && chosen === 0) { return form.dataset.missing; }
    var max = parseInt(fieldset.dataset.max || "0", 10);
    if (max && chosen > max) { return fill(form.dataset.tooMany, { max: max }); }
    return "";
  }

  function setError(fieldset, message) {
    var id = "err-" + fieldset.id.slice(2);
    var box = document.getElementById(id);
    if (!message) {
      if (box && box.dataset.client) { box.remove(); }
      if (!box || box.dataset.client) {
        fieldset.classList.remove("has-error");
        fieldset.removeAttribute("aria-describedby");
      }
      return;
    }
    if (!box) {
      box = document.createElement("p");
      box.className = "error";
      box.id = id;
      box.dataset.client = "1";
      fieldset.querySelector("legend").after(box);
    }
    box.textContent = message;
    fieldset.classList.add("has-error");
    fieldset.setAttribute("aria-describedby", id);
  }

  // Mark every unanswered question of the step; return the first one.
  function checkStep(index) {
    var first = null;
    var missing = 0;
    steps[index].querySelectorAll("fieldset.item").forEach(function (fieldset) {
      var message = problemOf(fieldset);
      setError(fieldset, message);
      if (message) {
        missing += 1;
        first = first || fieldset;
      }
    });
    alertBox.textContent = missing ? fill(form.dataset.stepErrors, { count: missing }) : "";
    return first;
  }

  function focusQuestion(fieldset) {
    var input = fieldset.querySelector("input:checked") || fieldset.querySelector("input, textarea");
    fieldset.scrollIntoView({ block: "start" });
    if (input) { input.focus(); }
  }

  function next() {
    var invalid = checkStep(current);
    if (invalid) {
      focusQuestion(invalid);
      return;
    }
    show(current + 1, true);
  }

  function clearForm() {
    form.querySelectorAll("input[type='radio'], input[type='checkbox']").forEach(function (input) {
      input.checked = false;
      input.defaultChecked = false;
    });
    form.querySelectorAll("textarea, input:not([type='hidden']):not([type='radio'])" +
      ":not([type='checkbox'])").forEach(function (field) {
      field.value = "";
      field.defaultValue = "";
    });
    form.querySelectorAll(".error[data-client]").forEach(function (box) { box.remove(); });
    alertBox.textContent = "";
    show(0, false);
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) {
      crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i += 1) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    // Version 4, variant 10 (RFC 4122).
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // Copy the anti-forgery token and the signed start time of a freshly
  // rendered form into this one. Without a network the old values stay: the
  // token has no time limit, and a kiosk's queue sends its own clock's times.
  function refreshTokens() {
    if (!window.fetch || !window.DOMParser) { return Promise.resolve(false); }
    return fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      if (!response.ok) { return false; }
      return response.text().then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelector("form.survey");
        if (!fresh) { return false; }
        ["csrf_token", "started_at"].forEach(function (name) {
          var source = fresh.elements.namedItem(name);
          var target = form.elements.namedItem(name);
          if (source && target && source.value) { target.value = source.value; }
        });
        return true;
      });
    }).catch(function () { return false; });
  }

  // Make the page a blank form for the next person without loading it again,
  // which would fail without a network: no answers, no messages of the
  // person before, step 1, and a new submission id.
  function renew() {
    clearForm();
    form.querySelectorAll(".has-error").forEach(function (fieldset) {
      fieldset.classList.remove("has-error");
      fieldset.removeAttribute("aria-describedby");
    });
    form.querySelectorAll(".error").forEach(function (box) { box.remove(); });
    document.querySelectorAll("#error-summary, main > .notice").forEach(function (box) {
      box.remove();
    });
    form.elements.namedItem("submission_id").value = newId();
    show(0, true);
    form.dispatchEvent(new CustomEvent("surveyrenew"));
    refreshTokens();
  }

  backButton.addEventListener("click", function () {
    alertBox.textContent = "";
    show(current - 1, true);
  });
  nextButton.addEventListener("click", next);

  // Registered on the document in the capture phase, so that it runs before
  // any other submit handler (the kiosk queue) and can stop the event. Enter
  // pressed inside an earlier step moves to the next step instead of sending.
  document.addEventListener("submit", function (event) {
    if (event.target !== form) { return; }
    if (current < steps.length - 1) {
      event.preventDefault();
      event.stopImmediatePropagation();
      next();
      return;
    }
    for (var i = 0; i < steps.length; i += 1) {
      var invalid = checkStep(i);
      if (invalid) {
        event.preventDefault();
        event.stopImmediatePropagation();
        show(i, false);
        focusQuestion(invalid);
        return;
      }
    }
  }, true);

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.item");
    if (fieldset && fieldset.classList.contains("has-error") && !problemOf(fieldset)) {
      setError(fieldset, "");
      // Keep the step's count in line with the questions still marked.
      if (alertBox.textContent) {
        var left = steps[current].querySelectorAll("fieldset.item.has-error").length;
        alertBox.textContent = left ? fill(form.dataset.stepErrors, { count: left }) : "";
      }
    }
  });

  // Links of the server's error summary open the step that contains the question.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#q-']");
      if (!link) { return; }
      var fieldset = document.getElementById(link.getAttribute("href").slice(1));
      if (!fieldset) { return; }
      event.preventDefault();
      show(stepOf(fieldset), false);
      focusQuestion(fieldset);
    });
  }

  // A page restored from the back-forward cache may still show the answers of
  // the person before; it becomes a blank form in place.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { renew(); }
  });

  // A kiosk page may come from the service worker's copy, and every load of
  // that copy carries the same submission id. A blank kiosk form therefore
  // takes a new id. A form that the server returned with the person's choices
  // keeps the id it was posted with.
  if (form.dataset.mode === "kiosk" && !form.querySelector("input:checked, .has-error")) {
    form.elements.namedItem("submission_id").value = newId();
  }
  form.classList.add("stepped");
  document.querySelector(".step-progress").hidden = false;
  form.surveySteps = { clear: clearForm, renew: renew };
  var firstError = form.querySelector("fieldset.has-error, .item.has-error");
  show(firstError ? stepOf(firstError) : 0, false);
  if (summary) {
    summary.focus();
  }
})();
