// Service worker of the kiosk pages, rendered by survey/public/offline.py.
// It keeps a copy of each kiosk survey page that requests one and of the
// static files that page loads. A kiosk reloaded while the network is down thus
// shows its blank form again, and kiosk-queue.js keeps and later sends the
// responses. Pages and files come from the network first. A kept copy is used
// when the network fails, times out or the server returns a 5xx status. POST
// requests, the API and pages outside the worker's scope go to the network
// untouched and are never stored.
"use strict";

var CACHE_NAME = {{ cache_name|tojson }};
var CACHE_PREFIX = {{ cache_prefix|tojson }};
var ASSETS = {{ assets|tojson }};
// A navigation with no response after this long is served from the kept copy.
var NAVIGATION_TIMEOUT_MS = 10000;
// Status codes that mean the kiosk may no longer show the page: not enrolled
// or revoked (403), agency or counter closed (404, 410). The copy is deleted.
var GONE = [403, 404, 410];
// Copies are keyed by URL alone, so that the pages' Vary: Cookie cannot hide them.
var MATCH = { ignoreVary: true };
var SCOPE_PATH = new URL(self.registration.scope).pathname;

function pageKey(address) {
  var url = new URL(address);
  url.hash = "";
  return url.href;
}

function inScope(url) {
  return url.origin === self.location.origin &&
    url.pathname.indexOf(SCOPE_PATH) === 0 &&
    url.pathname !== self.location.pathname;
}

function olderCaches() {
  return caches.keys().then(function (names) {
    return names.filter(function (name) {
      return name.indexOf(CACHE_PREFIX) === 0 && name !== CACHE_NAME;
    });
  });
}

// Store a fresh copy of the page at `key`. Resolves once stored, or once the
// copy is deleted because the server returned a status in GONE. Rejects when
// the network fails or the server returns another status, so that an install
// without its pages fails and the previous worker stays active.
function keepPage(cache, key) {
  return fetch(key, { cache: "no-store" }).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      return cache.put(key, response);
    }
    if (GONE.indexOf(response.status) >= 0) { return cache.delete(key); }
    throw new Error("fetching kiosk page " + key + " failed: HTTP " + response.status);
  });
}

// Fetch again, into the new cache, every page the older caches kept.
function carryPages(cache) {
  return olderCaches().then(function (names) {
    return Promise.all(names.map(function (name) {
      return caches.open(name).then(function (old) { return old.keys(); });
    }));
  }).then(function (lists) {
    var keys = [];
    lists.forEach(function (requests) {
      requests.forEach(function (request) {
        if (inScope(new URL(request.url)) && keys.indexOf(request.url) < 0) {
          keys.push(request.url);
        }
      });
    });
    return Promise.all(keys.map(function (key) { return keepPage(cache, key); }));
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE_NAME).then(function (cache) {
    return cache.addAll(ASSETS).then(function () { return carryPages(cache); });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(olderCaches().then(function (names) {
    return Promise.all(names.map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// A kiosk survey page requests a copy of itself once it has loaded. Later
// navigations to it refresh the copy.
self.addEventListener("message", function (event) {
  var client = event.source;
  if (!client || !client.url || !event.data || event.data.type !== "keep-page") {
    return;
  }
  var key = pageKey(client.url);
  if (!inScope(new URL(key))) { return; }
  event.waitUntil(caches.open(CACHE_NAME).then(function (cache) {
    return cache.match(key, MATCH).then(function (kept) {
      return kept ? undefined : keepPage(cache, key);
    });
  }));
});

// Resolve with the network's response, or with `kept` when the network fails,
// the server returns a 5xx status, or no response comes within
// NAVIGATION_TIMEOUT_MS.
function networkOr(network, kept) {
  return new Promise(function (resolve) {
    var timer = setTimeout(function () { resolve(kept); }, NAVIGATION_TIMEOUT_MS);
    network.then(function (response) {
      clearTimeout(timer);
      resolve(response.status >= 500 ? kept : response);
    }, function () {
      clearTimeout(timer);
      resolve(kept);
    });
  });
}

// Without a copy of the requested page, redirect to a kept page whose path is
// a prefix of it: /kiosk/A/1/cam-on, the thank-you page, leads to /kiosk/A/1.
function enclosingPage(cache, url) {
  return cache.keys().then(function (requests) {
    for (var i = 0; i < requests.length; i += 1) {
      var kept = new URL(requests[i].url);
      if (inScope(kept) && url.pathname.indexOf(kept.pathname + "/") === 0) {
        return Response.redirect(kept.href, 303);
      }
    }
    return null;
  });
}

function navigate(event, url) {
  var key = pageKey(url.href);
  return caches.open(CACHE_NAME).then(function (cache) {
    return cache.match(key, MATCH).then(function (kept) {
      var network = fetch(event.request);
      if (kept) {
        event.waitUntil(network.then(function (response) {
          if (response.ok && !response.redirected && response.type === "basic") {
            return cache.put(key, response.clone());
          }
          if (GONE.indexOf(response.status) >= 0) { return cache.delete(key); }
          return undefined;
        }, function () { return undefined; }));
        return networkOr(network, kept);
      }
      return network.catch(function (error) {
        return enclosingPage(cache, url).then(function (page) {
          if (page) { return page; }
          throw error;
        });
      });
    });
  });
}

function asset(event, url) {
  return caches.open(CACHE_NAME).then(function (cache) {
    return fetch(event.request).then(function (response) {
      if (response.ok && response.type === "basic") {
        event.waitUntil(cache.put(url.pathname, response.clone()));
      }
      return response;
    }, function (error) {
      return cache.match(url.pathname, MATCH).then(function (kept) {
        if (kept) { return kept; }
        throw error;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (request.mode === "navigate" && inScope(url)) {
    event.respondWith(navigate(event, url));
  } else if (url.origin === self.location.origin && !url.search &&
      ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(asset(event, url));
  }
});
