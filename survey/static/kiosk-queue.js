// Kiosk outbox: every completed response is kept in IndexedDB until the server
// acknowledges it, so a network or server outage loses nothing. Each response
// is sent to the JSON API with the form's submission id; the server stores a
// submission id once, so sending it again after a lost acknowledgement is safe.
// Without JavaScript this script does nothing and the form posts normally.
(function () {
  "use strict";
  var form = document.querySelector("form.survey[data-mode='kiosk']");
  var status = document.getElementById("queue-status");
  if (!form || !status || !window.indexedDB || !window.fetch) { return; }

  var DB_NAME = "survey-kiosk-queue";
  var OUTBOX = "outbox";
  // Answers the server refused for good (invalid, conflicting); kept, not sent.
  var REJECTED = "rejected";
  var MAX_DELAY_MS = 60000;
  var SEND_TIMEOUT_MS = 15000;
  // Form fields that are not answers to questionnaire items.
  var RESERVED = {
    csrf_token: 1, submission_id: 1, questionnaire: 1, version: 1, started_at: 1,
    website: 1, receipt_code: 1, contact_opt_in: 1, contact: 1
  };
  var flushing = false;
  var timer = null;
  // The time this form was shown, by the kiosk's clock. The API accepts it
  // from an enrolled kiosk and compares it with captured_at from the same
  // clock, so a response sent hours later is still timed from its own start.
  // A form the server sent back with the person's answers keeps its signed start.
  var shownAt = form.querySelector("input:checked, .has-error") ? "" : new Date().toISOString();

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(OUTBOX, { keyPath: "submission_id" });
        request.result.createObjectStore(REJECTED, { keyPath: "submission_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Run `work(store)` in one transaction and resolve with its request's result.
  function withStore(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var request = work(transaction.objectStore(name));
        transaction.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function field(name) {
    var element = form.elements.namedItem(name);
    return element && element.value !== undefined ? element.value : "";
  }

  // Build the API body from the form: one value per radio item, a list per
  // checkbox item, the text of each non-empty text box.
  function readForm() {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || RESERVED[name] || element.disabled) { return; }
      if (element.type === "checkbox") {
        if (!answers[name]) { answers[name] = []; }
        if (element.checked) { answers[name].push(element.value); }
      } else if (element.type === "radio") {
        if (element.checked) { answers[name] = element.value; }
      } else if (element.value.trim() !== "") {
        answers[name] = element.value;
      }
    });
    var body = {
      submission_id: field("submission_id"),
      questionnaire: field("questionnaire"),
      version: parseInt(field("version"), 10),
      channel: "kiosk",
      started_at: shownAt || field("started_at"),
      captured_at: new Date().toISOString(),
      answers: answers
    };
    if (field("receipt_code").trim()) { body.receipt_code = field("receipt_code"); }
    var optIn = form.elements.namedItem("contact_opt_in");
    if (optIn && optIn.checked) {
      body.contact_opt_in = true;
      body.contact = field("contact");
    }
    return body;
  }

  function showCount() {
    return withStore(OUTBOX, "readonly", function (store) { return store.count(); })
      .then(function (count) {
        status.setAttribute("data-count", String(count));
        if (count > 0) {
          status.textContent = status.getAttribute("data-pending").replace("{count}", count);
          status.hidden = false;
        } else {
          status.hidden = true;
        }
        return count;
      });
  }

  // Resolve with the HTTP status, or 0 when the server could not be reached.
  function send(entry) {
    var controller = window.AbortController ? new AbortController() : null;
    var abortTimer = controller && setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    return fetch(entry.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(entry.body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(abortTimer);
      var wait = parseInt(response.headers.get("Retry-After") || "", 10);
      return { status: response.status, retryAfter: isNaN(wait) ? null : wait };
    }, function () {
      clearTimeout(abortTimer);
      return { status: 0, retryAfter: null };
    });
  }

  function settle(entry, result) {
    if (result.status >= 200 && result.status < 300) {
      return withStore(OUTBOX, "readwrite", function (store) {
        return store.delete(entry.submission_id);
      });
    }
    var transient = result.status === 0 || result.status === 429 || result.status >= 500;
    if (transient) {
      entry.attempts = (entry.attempts || 0) + 1;
      var backoff = Math.min(MAX_DELAY_MS, 1000 * Math.pow(2, entry.attempts));
      var delay = result.retryAfter !== null ? result.retryAfter * 1000 : backoff;
      entry.next_at = Date.now() + delay * (0.75 + Math.random() * 0.5);
      return withStore(OUTBOX, "readwrite", function (store) { return store.put(entry); });
    }
    entry.status = result.status;
    if (window.console) { console.warn("kiosk queue: response refused", result.status); }
    return withStore(REJECTED, "readwrite", function (store) { return store.put(entry); })
      .then(function () {
        return withStore(OUTBOX, "readwrite", function (store) {
          return store.delete(entry.submission_id);
        });
      });
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(flush, Math.max(250, delay));
  }

  // Send every due entry, oldest first, one at a time; then plan the next run.
  function flush() {
    if (flushing) { return Promise.resolve(); }
    flushing = true;
    return withStore(OUTBOX, "readonly", function (store) { return store.getAll(); })
      .then(function (entries) {
        entries.sort(function (a, b) { return a.queued_at - b.queued_at; });
        var now = Date.now();
        var chain = Promise.resolve();
        entries.forEach(function (entry) {
          if ((entry.next_at || 0) > now) { return; }
          chain = chain.then(function () {
            return send(entry).then(function (result) { return settle(entry, result); });
          });
        });
        return chain;
      })
      .then(function () {
        return withStore(OUTBOX, "readonly", function (store) { return store.getAll(); });
      })
      .then(function (left) {
        flushing = false;
        showCount();
        if (left.length) {
          var next = Math.min.apply(null, left.map(function (e) { return e.next_at || 0; }));
          schedule(next - Date.now());
        }
      }, function (error) {
        flushing = false;
        if (window.console) { console.error("kiosk queue:", error); }
        schedule(5000);
      });
  }

  // Thank the person in place and leave a blank form with a new submission
  // id: loading another page would fail while the network is down.
  function thankInPlace() {
    if (form.surveyKiosk) {
      form.surveyKiosk.thank();
    } else if (form.surveySteps) {
      form.surveySteps.renew();
    } else {
      form.reset();
      form.elements.namedItem("submission_id").value = newId();
      shownAt = new Date().toISOString();
    }
  }

  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    event.preventDefault();
    var entry = {
      submission_id: field("submission_id"),
      url: status.getAttribute("data-api"),
      body: readForm(),
      queued_at: Date.now(),
      attempts: 0,
      next_at: 0
    };
    withStore(OUTBOX, "readwrite", function (store) { return store.put(entry); })
      .then(function () { return send(entry); })
      .then(function (result) {
        if (result.status >= 200 && result.status < 300) {
          return settle(entry, result).then(function () {
            window.location.assign(status.getAttribute("data-thanks"));
          });
        }
        if (result.status === 0 || result.status === 429 || result.status >= 500) {
          return settle(entry, result).then(function () {
            thankInPlace();
            showCount();
            flush();
          });
        }
        // Refused for good: let the server show its message on the form itself,
        // with the same submission id.
        return withStore(OUTBOX, "readwrite", function (store) {
          return store.delete(entry.submission_id);
        }).then(function () { form.submit(); });
      }, function () {
        // IndexedDB unavailable (private mode, full disk): post the plain form.
        form.submit();
      });
  });

  form.addEventListener("surveyrenew", function () { shownAt = new Date().toISOString(); });
  window.addEventListener("online", function () { flush(); });
  showCount().then(flush);
})();
