/* CDTT phone app: works offline after one online visit.
 *
 * Data lives in IndexedDB: the member's households and guides (from /api/v1/sync/pull), the catalogue
 * (/api/v1/catalog/platforms) and a queue of records made on the phone. The service worker keeps the small
 * guide files (it is told which after each sync), so they open offline; the others need the network. Every record gets a UUID when
 * it is made, so sending it twice is harmless; the queue is sent in batches of 50 when the network is
 * there, with growing waits after failures. Each record shows its state: waiting, sent, conflict or
 * refused (with the server's reason); failures can be retried or discarded, never dropped silently.
 *
 * The phone's data belongs to one user (meta "owner"); the shell names nobody, /app/phien/ says who is
 * signed in. Another user signing in, or signing out (the app's button, or on the web), first sends what
 * is waiting under the owner's own token, or shows it; then households, people, the queue and the token
 * are cleared. Each record carries its author (checked by the server against the token's user) and a
 * sequence number: the queue goes out in the order the records were made. A device cut off by an officer
 * (401 "revoked") keeps its queue, drops its token and the households, ends the session and asks the
 * member to sign in again; the queue then goes out under a new token, each record once (by its UUID).
 */
"use strict";

(() => {
  const S = JSON.parse(document.getElementById("strings").textContent);
  const DB_NAME = "cdtt-app";
  const GUIDES_CACHE = "cdtt-guides";
  const BATCH = 50;
  const MAX_WAIT_MS = 5 * 60 * 1000;
  let db = null;
  let busy = false;
  let wait = 2000;
  let timer = null;
  let current = null; // the household on screen
  let me = undefined; // who is signed in (/app/phien/): an object, null when nobody, undefined when unknown
  let owner = null; // whose data the phone holds ({user, name})
  let gated = false; // a gate screen is up: nothing is sent or shown until it is answered

  // -- IndexedDB -----------------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const d = request.result;
        d.createObjectStore("meta");
        d.createObjectStore("households", { keyPath: "id" });
        d.createObjectStore("platforms", { keyPath: "id" });
        d.createObjectStore("queue", { keyPath: "uuid" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  function tx(store, mode, work) {
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const result = work(t.objectStore(store));
      t.oncomplete = () => resolve(result && "result" in result ? result.result : result);
      t.onerror = () => reject(t.error);
    });
  }
  const getAll = (store) => tx(store, "readonly", (s) => s.getAll());
  const get = (store, key) => tx(store, "readonly", (s) => s.get(key));
  const put = (store, value, key) => tx(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
  const del = (store, key) => tx(store, "readwrite", (s) => s.delete(key));

  // -- who is signed in ------------------------------------------------------------------------------
  async function whoami() {
    try {
      const response = await fetch("/app/phien/", { credentials: "same-origin", cache: "no-store" });
      const json = (response.headers.get("Content-Type") || "").includes("application/json");
      if (response.ok && json && !response.redirected) return await response.json();
      return response.redirected || response.status === 403 ? null : undefined; // sent to the sign-in page
    } catch (error) {
      return undefined; // no network: nobody can tell
    }
  }
  async function endSession() {
    const who = me || (await whoami()); // opened offline: the session's CSRF token is needed now
    try {
      if (!who) throw new Error("offline");
      await fetch("/dang-xuat/", { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": who.csrf } });
    } catch (error) {
      if (who !== null) await put("meta", true, "end_session"); // ended the next time the app is online
    }
  }
  // Everything the phone holds for its user: households (with their people), the catalogue, the queue,
  // the token, the guides kept for offline reading.
  async function wipe() {
    for (const store of ["households", "platforms", "queue", "meta"]) await tx(store, "readwrite", (s) => s.clear());
    if ("caches" in window) await caches.delete(GUIDES_CACHE);
    owner = null;
  }
  // What the phone says it is (e.g. "Android 13 · SM-A515F"), so an officer can tell a member's phones apart.
  async function model() {
    const data = navigator.userAgentData;
    if (data && data.getHighEntropyValues) {
      try {
        const hints = await data.getHighEntropyValues(["model", "platformVersion"]);
        const named = [`${hints.platform || ""} ${hints.platformVersion || ""}`.trim(), hints.model || ""];
        if (named.some(Boolean)) return named.filter(Boolean).join(" · ").slice(0, 80);
      } catch (error) { /* the user agent string below */ }
    }
    const match = /\(([^)]*)\)/.exec(navigator.userAgent);
    const parts = (match ? match[1] : navigator.platform || "").split(";").map((p) => p.trim());
    return parts.filter((p) => p && !/^(Linux|U|X11|wv|K)$/.test(p)).join(" · ").slice(0, 80);
  }

  // -- network -------------------------------------------------------------------------------------
  function revokedError(message) {
    const error = new Error(message || S.revoked_keep);
    error.revoked = true;
    return error;
  }
  async function token() {
    let saved = await get("meta", "token");
    if (saved) return saved;
    if (await get("meta", "revoked")) throw revokedError(); // only a new sign-in gives a new token
    if (!me) throw new Error("no session");
    const response = await fetch("/api/v1/sync/device", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": me.csrf },
      body: JSON.stringify({ name: (await get("meta", "device_name")) || "", model: await model() }),
    });
    if (!response.ok) throw new Error("device " + response.status);
    saved = (await response.json()).token;
    await put("meta", saved, "token");
    return saved;
  }
  async function call(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      credentials: "omit",
      cache: "no-store",
      headers: { "Content-Type": "application/json", ...(options.headers || {}), Authorization: "Bearer " + (await token()) },
    });
    if (response.status === 401) {
      const body = await response.json().catch(() => ({}));
      await del("meta", "token"); // expired: a new one is asked for from the session next time
      if (body.revoked) {
        await cutOff();
        throw revokedError();
      }
    }
    if (!response.ok && response.status !== 304) throw new Error(path + " " + response.status);
    return response;
  }
  const api = async (path, options) => (await call(path, options)).json();
  // The catalogue changes rarely: asked with the ETag held, it answers 304 and nothing is downloaded.
  async function unlessHeld(path, key) {
    const etag = await get("meta", key);
    const response = await call(path, etag ? { headers: { "If-None-Match": etag } } : {});
    if (response.status === 304) return null;
    const data = await response.json();
    await put("meta", response.headers.get("ETag") || "", key);
    return data;
  }

  // An officer cut this phone off: keep the queue (and whose it is), drop the token and what it fetched,
  // end the session, ask the member to sign in again.
  async function cutOff() {
    await put("meta", true, "revoked");
    await tx("households", "readwrite", (s) => s.clear());
    for (const key of ["since", "guides", "progress", "token"]) await del("meta", key);
    if ("caches" in window) await caches.delete(GUIDES_CACHE);
    await endSession();
    me = null;
    gate(S.revoked_keep, { signIn: true });
  }

  async function pull() {
    let since = (await get("meta", "since")) || "";
    for (;;) {
      const page = await api("/api/v1/sync/pull?since=" + encodeURIComponent(since));
      for (const household of page.households) {
        if (household.removed) await del("households", household.id);
        else await put("households", household);
      }
      if (page.guides !== null && page.guides !== undefined) await put("meta", page.guides, "guides");
      since = page.next;
      await put("meta", since, "since");
      if (!page.more) break;
    }
    const platforms = await unlessHeld("/api/v1/catalog/platforms", "platforms_etag");
    if (platforms) {
      await tx("platforms", "readwrite", (s) => s.clear()); // a retired platform goes too
      for (const platform of platforms) await put("platforms", platform);
    }
    const items = await unlessHeld("/api/v1/catalog/adoption-items", "items_etag");
    if (items) await put("meta", items, "items");
    const village = document.getElementById("ev-village").value;
    if (village) await put("meta", await api("/api/v1/progress/villages/" + village), "progress");
    keepGuides().catch(() => {}); // never waits on the service worker: sync goes on without it
  }

  // The service worker keeps the guide files that fit, and drops the ones no longer listed.
  async function keepGuides() {
    if (!("serviceWorker" in navigator)) return;
    const guides = (await get("meta", "guides")) || [];
    const files = guides.filter((g) => g.kind === "file").map((g) => ({ url: g.url, size: g.size }));
    const registration = await navigator.serviceWorker.ready;
    if (registration.active) registration.active.postMessage({ type: "guides", files });
  }
  async function keptGuides() {
    if (!("caches" in window)) return new Set();
    const cache = await caches.open(GUIDES_CACHE);
    return new Set((await cache.keys()).map((request) => request.url));
  }

  // The order the records were made in (a sequence number; the time for records from before it).
  const ordered = (queue) => queue.sort((a, b) => (a.seq ?? -1) - (b.seq ?? -1) || a.made.localeCompare(b.made));
  const waitingOf = async () => ordered(await getAll("queue")).filter((item) => item.state === "waiting");

  async function push() {
    const waiting = await waitingOf();
    for (let start = 0; start < waiting.length; start += BATCH) {
      const part = waiting.slice(start, start + BATCH);
      const answer = await api("/api/v1/sync/push", {
        method: "POST",
        body: JSON.stringify({ records: part.map((item) => item.record) }),
      });
      for (const result of answer.results) {
        const item = part.find((candidate) => candidate.uuid === result.uuid);
        if (!item) continue;
        item.state = result.status === "accepted" || result.status === "duplicate" || result.status === "edited"
          ? "sent"
          : result.status;
        item.reason = result.reason || "";
        await put("queue", item);
      }
    }
  }

  async function sync() {
    if (gated) return;
    if (busy || !navigator.onLine || !owner) return show();
    busy = true;
    try {
      await push();
      await pull();
      wait = 2000;
      await put("meta", new Date().toISOString(), "synced");
      await show();
    } catch (error) {
      if (!gated) await show(error.revoked ? error.message : "");
      if (!error.revoked && !gated) {
        clearTimeout(timer);
        timer = setTimeout(sync, wait);
        wait = Math.min(wait * 2, MAX_WAIT_MS);
      }
    } finally {
      busy = false;
    }
  }

  // -- records made on the phone ------------------------------------------------------------------
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const today = () => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };
  async function enqueue(record, label) {
    const seq = ((await get("meta", "seq")) || 0) + 1;
    await put("meta", seq, "seq");
    record.author = owner.user; // the server refuses it under another user's token
    const item = { uuid: record.uuid, record, label, state: "waiting", reason: "", made: new Date().toISOString(), seq };
    await put("queue", item);
    await show();
    sync();
    return item;
  }

  // -- screens ------------------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) node.append(child);
    return node;
  }
  function tab(name) {
    for (const section of ["households", "household", "event", "progress", "guides", "queue", "account"]) {
      $("tab-" + section).hidden = section !== name;
    }
    for (const button of document.querySelectorAll(".pwa-tabs button")) {
      button.setAttribute("aria-pressed", String(button.dataset.tab === name));
    }
  }

  async function show(problem = "") {
    const queue = await getAll("queue");
    const waiting = queue.filter((item) => item.state === "waiting").length;
    const synced = await get("meta", "synced");
    const parts = [navigator.onLine ? S.online : S.offline];
    if (waiting) parts.push(S.pending.replace("%s", waiting));
    else if (synced) parts.push(S.synced.replace("%s", new Date(synced).toLocaleTimeString("vi-VN")));
    if (problem) parts.push(problem);
    $("status").textContent = parts.join(" · ");
    $("queue-count").textContent = String(waiting);
    await listHouseholds();
    await listProgress();
    await listGuides();
    listQueue(queue);
  }

  async function listHouseholds() {
    const term = $("search").value.trim().toLowerCase();
    const households = (await getAll("households"))
      .filter((h) => !term || h.head_name.toLowerCase().includes(term))
      .sort((a, b) => a.head_name.localeCompare(b.head_name, "vi"));
    const list = $("households");
    list.replaceChildren();
    if (!households.length) list.append(el("li", { textContent: S.no_households }));
    for (const household of households.slice(0, 200)) {
      const button = el("button", { type: "button", className: "pwa-row" },
        el("b", { textContent: household.head_name }),
        el("span", { className: "small muted", textContent: household.address || "" }));
      button.addEventListener("click", () => openHousehold(household.id));
      list.append(el("li", {}, button));
    }
  }

  async function openHousehold(id) {
    current = await get("households", id);
    if (!current) return;
    $("hh-name").textContent = current.head_name;
    $("hh-facts").textContent = [current.address, current.members_count ? `${current.members_count} ${S.people}` : ""]
      .filter(Boolean).join(" · ");
    const people = $("hh-people");
    people.querySelectorAll("label").forEach((node) => node.remove());
    people.hidden = !current.people.length;
    current.people.forEach((person, index) => {
      const input = el("input", { type: "radio", name: "person", value: String(person.id), checked: index === 0 });
      input.addEventListener("change", () => markReached());
      people.insertBefore(el("label", { className: "chip" }, input, " " + person.full_name), $("hh-reached"));
    });
    const box = $("outcomes");
    box.replaceChildren();
    for (const platform of (await getAll("platforms")).sort((a, b) => a.id - b.id)) {
      const choices = el("div", { className: "choices" });
      for (const outcome of platform.outcomes) {
        const button = el("button", { type: "button", className: "choice", textContent: outcome.name });
        button.dataset.outcome = String(outcome.id);
        button.dataset.name = outcome.name;
        button.dataset.item = outcome.adoption_item || "";
        button.addEventListener("click", () => guide(platform, outcome, button));
        choices.append(button);
      }
      box.append(el("div", { className: "platform" }, el("h2", { textContent: platform.name }), choices));
    }
    const ticks = $("ticks");
    ticks.replaceChildren();
    for (const item of (await get("meta", "items")) || []) {
      const forPerson = item.applies_to === "resident";
      if (forPerson && !current.people.length) continue;
      const button = el("button", { type: "button", className: "choice", textContent: item.name });
      button.dataset.item = item.code;
      button.dataset.name = item.name;
      button.dataset.person = String(forPerson);
      button.addEventListener("click", () => tick(item, forPerson, button));
      ticks.append(button);
    }
    $("saved").hidden = true;
    await markReached();
    tab("household");
  }

  function chosenPerson() {
    const chosen = document.querySelector("#hh-people input:checked");
    return chosen ? Number(chosen.value) : null;
  }

  // What the chosen person (and the household) has reached, from the last sync and the records made here
  // since: those buttons show it and cannot be tapped again, so a second tap records nothing twice.
  async function markReached() {
    if (!current) return;
    const personId = chosenPerson();
    const person = current.people.find((p) => p.id === personId);
    const reached = new Set(person ? person.reached : []);
    const homeReached = new Set(current.reached);
    const saved = new Set();
    for (const item of await getAll("queue")) {
      const d = item.record.data;
      if (item.state === "refused" || d.household_id !== current.id) continue;
      if (item.record.type === "activity" && d.occurred_on === today()) saved.add(`o${d.outcome_id}:${d.resident_id ?? ""}`);
      if (item.record.type === "adoption") {
        if (d.resident_id === null) homeReached.add(d.item);
        else if (d.resident_id === personId) reached.add(d.item);
      }
    }
    for (const button of $("outcomes").querySelectorAll("button")) {
      const who = button.dataset.item ? personId ?? "" : "";
      const state = saved.has(`o${button.dataset.outcome}:${who}`) ? "saved"
        : button.dataset.item && reached.has(button.dataset.item) ? "reached" : "";
      markButton(button, state);
    }
    for (const button of $("ticks").querySelectorAll("button")) {
      const done = button.dataset.person === "true" ? reached.has(button.dataset.item) : homeReached.has(button.dataset.item);
      markButton(button, done ? "reached" : "");
    }
    const items = new Map(((await get("meta", "items")) || []).map((i) => [i.code, i.name]));
    const names = [...reached].map((code) => items.get(code) || code);
    $("hh-reached").textContent = person ? (names.length ? S.reached_by.replace("%s", names.join(", ")) : S.nothing_reached) : "";
  }
  function markButton(button, state) {
    button.dataset.state = state;
    button.disabled = Boolean(state);
    button.classList.toggle("done", Boolean(state));
    button.setAttribute("aria-pressed", String(Boolean(state)));
    const mark = state === "saved" ? S.saved_button : state === "reached" ? S.reached_already : "";
    button.textContent = mark ? `${button.dataset.name} · ${mark}` : button.dataset.name;
  }

  async function tick(item, forPerson, button) {
    button.disabled = true; // at once: a second tap while saving records nothing
    const person = forPerson ? chosenPerson() : null;
    const record = {
      uuid: uuid(),
      type: "adoption",
      data: { household_id: current.id, resident_id: person, item: item.code, action: "set", reached_on: today() },
    };
    const label = `${current.head_name}: ${item.name}`;
    await enqueue(record, label);
    await markReached();
    $("saved").textContent = S.saved.replace("%s", label);
    $("saved").hidden = false;
  }

  async function listProgress() {
    const progress = await get("meta", "progress");
    const list = $("progress");
    list.replaceChildren();
    if (!progress) {
      list.append(el("li", { textContent: S.no_households }));
      return;
    }
    const shown = progress.figures.filter((figure) => figure.target !== null);
    for (const figure of shown.length ? shown : progress.figures.slice(0, 8)) {
      const target = figure.target === null ? "" : ` / ${Number(figure.target).toLocaleString("vi-VN")}`;
      const meter = el("meter", { min: 0, max: 100, value: Math.min(100, figure.percent || 0) });
      list.append(el("li", { className: "progress-item" },
        el("div", { className: "progress-name", textContent: figure.name }),
        el("div", {}, el("b", { textContent: Number(figure.achieved).toLocaleString("vi-VN") }), target,
          figure.percent === null ? "" : ` · ${figure.percent}%`),
        figure.target === null ? "" : meter));
    }
  }

  async function guide(platform, outcome, button) {
    button.disabled = true; // at once: a second tap while saving records nothing
    const person = chosenPerson();
    const record = {
      uuid: uuid(),
      type: "activity",
      data: {
        kind: "guidance",
        occurred_on: today(),
        household_id: current.id,
        resident_id: outcome.adoption_item ? person : null,
        platform: platform.code,
        outcome_id: outcome.id,
      },
    };
    const label = `${current.head_name}: ${outcome.name}`;
    await enqueue(record, label);
    await markReached();
    $("saved").textContent = S.saved.replace("%s", label);
    $("saved").hidden = false;
  }

  const day = (iso) => iso.split("-").reverse().join("/");
  function bytes(n) {
    if (n >= 1024 * 1024) return (n / 1024 / 1024).toLocaleString("vi-VN", { maximumFractionDigits: 1 }) + " MB";
    return Math.max(1, Math.round(n / 1024)).toLocaleString("vi-VN") + " KB";
  }

  async function listGuides() {
    const guides = (await get("meta", "guides")) || [];
    const kept = await keptGuides();
    const box = $("guides");
    box.replaceChildren();
    if (!guides.length) {
      box.append(el("p", { className: "card", textContent: S.no_guides }));
      return;
    }
    const groups = new Map();
    for (const guide of guides) {
      if (!groups.has(guide.platform_name)) groups.set(guide.platform_name, []);
      groups.get(guide.platform_name).push(guide);
    }
    for (const [platform, items] of groups) {
      const list = el("ul", { className: "list pwa-list" });
      for (const guide of items) {
        const href = new URL(guide.url, location.origin).href;
        const isKept = guide.kind === "file" && kept.has(href);
        const facts = [guide.version ? `${S.version} ${guide.version}` : "", day(guide.issued_on),
          guide.kind === "file" ? bytes(guide.size || 0) : S.link].filter(Boolean).join(" · ");
        let title;
        if (navigator.onLine || isKept) {
          title = el("a", { href: guide.url, textContent: guide.title });
          if (guide.kind === "link") Object.assign(title, { target: "_blank", rel: "noopener" });
        } else {
          title = el("b", { textContent: guide.title });
        }
        const state = isKept
          ? el("span", { className: "badge ok", textContent: S.kept_offline })
          : navigator.onLine ? "" : el("span", { className: "badge", textContent: S.needs_network });
        const row = el("li", { className: "guide" },
          el("span", {}, title, el("br"), el("span", { className: "small muted", textContent: facts })), state);
        row.dataset.kept = String(isKept);
        row.dataset.guide = String(guide.id);
        list.append(row);
      }
      box.append(el("section", { className: "card" }, el("h2", { textContent: platform }), list));
    }
  }

  function listQueue(queue) {
    const list = $("queue");
    list.replaceChildren();
    for (const item of ordered(queue).reverse()) {
      const state = el("span", { className: "badge state-" + item.state, textContent: S[item.state] || item.state });
      const row = el("li", { className: "queue-item" },
        el("span", {}, el("span", { textContent: item.label }), " ", state,
          item.reason ? el("span", { className: "small muted reason", textContent: " " + item.reason }) : ""));
      row.dataset.state = item.state;
      if (item.state === "conflict" || item.state === "refused") {
        const retry = el("button", { type: "button", className: "btn small secondary", textContent: S.retry });
        retry.addEventListener("click", async () => { item.state = "waiting"; item.reason = ""; await put("queue", item); sync(); });
        const discard = el("button", { type: "button", className: "btn small secondary", textContent: S.discard });
        discard.addEventListener("click", async () => { if (confirm(S.discard_confirm)) { await del("queue", item.uuid); show(); } });
        row.append(el("span", { className: "row-actions" }, retry, discard));
      }
      list.append(row);
    }
  }

  // -- whose phone -----------------------------------------------------------------------------------
  // A screen over the app (cut off, signed out, another user's records waiting): nothing else runs.
  function gate(text, { signIn = false, back = "", discard = "" } = {}) {
    gated = true;
    $("gate-text").textContent = text;
    $("gate-sign-in").hidden = !signIn;
    $("gate-sign-in").textContent = S.sign_in_again;
    $("gate-back").hidden = !back;
    $("gate-back").textContent = back;
    $("gate-discard").hidden = !discard;
    $("gate-discard").textContent = discard;
    $("gate").hidden = false;
    $("main").hidden = true;
    document.querySelector(".pwa-tabs").hidden = true;
    $("status").textContent = "";
  }

  // The phone's data is the owner's: before anyone else uses it, send what is waiting under the owner's
  // own token (never a new one) or, if that cannot be done, say so; then clear everything.
  async function handOver() {
    if ((await waitingOf()).length && (await get("meta", "token"))) {
      try { await push(); } catch (error) { /* shown below */ }
    }
    const left = (await waitingOf()).length;
    if (!left) {
      await wipe();
      return true;
    }
    const name = owner ? owner.name : "?";
    gate(S.handover.replaceAll("%(n)s", left).replaceAll("%(name)s", name), {
      back: me ? S.handover_back.replace("%s", name) : "",
      discard: S.handover_discard,
      signIn: !me,
    });
    $("gate-discard").onclick = async () => {
      if (!confirm(S.handover_confirm.replace("%s", name))) return;
      await wipe();
      location.reload();
    };
    $("gate-back").onclick = async () => {
      await endSession();
      location.assign("/dang-nhap/?next=/app/");
    };
    return false;
  }

  async function signOut(discard) {
    const message = $("signout-msg");
    message.hidden = true;
    if (discard) {
      if (!confirm(S.signout_confirm)) return;
    } else {
      $("status").textContent = S.signing_out;
      if (navigator.onLine) { try { await push(); } catch (error) { /* counted below */ } }
      const left = (await waitingOf()).length;
      if (left) {
        message.textContent = S.signout_waiting.replace("%s", left);
        message.hidden = false;
        $("signout-anyway").hidden = false;
        await show();
        return;
      }
    }
    await wipe();
    if (me) await endSession();
    else await put("meta", true, "end_session"); // offline: the session ends the next time there is a network
    me = null;
    gate(S.signed_out, { signIn: true });
    $("gate-sign-in").textContent = S.sign_in;
  }

  async function rename(event) {
    event.preventDefault();
    const name = $("device-name").value.trim();
    const note = $("device-msg");
    await put("meta", name, "device_name");
    note.hidden = false;
    if (!(await get("meta", "token"))) { note.textContent = S.device_named; return; } // sent with the first sync
    try {
      await call("/api/v1/sync/device", { method: "PATCH", body: JSON.stringify({ name }) });
      note.textContent = S.device_named;
    } catch (error) {
      note.textContent = S.device_name_offline;
    }
  }

  async function fillAccount() {
    const villages = (await get("meta", "villages")) || [];
    const select = $("ev-village");
    const chosen = select.value;
    select.replaceChildren(...villages.map((v) => el("option", { value: String(v.id), textContent: v.name })));
    if (chosen) select.value = chosen;
    $("me").textContent = owner ? S.me.replace("%s", owner.name) : "";
    $("device-name").value = (await get("meta", "device_name")) || "";
  }

  // Whose phone it is now: the signed-in user's (after handing over another's), or nobody's.
  async function settle() {
    owner = (await get("meta", "owner")) || null;
    me = navigator.onLine ? await whoami() : undefined;
    if (me && (await get("meta", "end_session"))) { // signed out here while offline: end it now
      await endSession();
      await del("meta", "end_session");
      me = null;
    }
    if (me === null) { // nobody signed in on this browser (signed out on the web, or here)
      if (await get("meta", "revoked")) return gate(S.revoked_keep, { signIn: true });
      if (owner && !(await handOver())) return false;
      await wipe();
      gate(S.signed_out, { signIn: true });
      $("gate-sign-in").textContent = S.sign_in;
      return false;
    }
    if (me) {
      await del("meta", "signed_out");
      if (owner && owner.user !== me.user && !(await handOver())) return false;
      await del("meta", "revoked"); // a new sign-in since the phone was cut off
      owner = { user: me.user, name: me.name };
      await put("meta", owner, "owner");
      await put("meta", me.villages, "villages");
      return true;
    }
    if (!owner) { // offline, and the phone holds nobody's work
      gate((await get("meta", "end_session")) ? S.signed_out : S.offline_unknown, { signIn: true });
      $("gate-sign-in").textContent = S.sign_in;
      return false;
    }
    if (await get("meta", "revoked")) return gate(S.revoked_keep, { signIn: true });
    if (await get("meta", "signed_out")) { // signed out on the web, with records the sign-in page could not send
      return gate(S.signed_out_waiting.replace("%s", (await waitingOf()).length), { signIn: true });
    }
    return true; // offline: the owner's own phone, as they left it
  }

  // -- start --------------------------------------------------------------------------------------
  async function start() {
    db = await openDb();
    for (const button of document.querySelectorAll(".pwa-tabs button")) {
      button.addEventListener("click", () => tab(button.dataset.tab));
    }
    $("back").addEventListener("click", () => tab("households"));
    $("search").addEventListener("input", () => listHouseholds());
    $("sync").addEventListener("click", () => { wait = 2000; sync(); });
    $("signout").addEventListener("click", () => signOut(false));
    $("signout-anyway").addEventListener("click", () => signOut(true));
    $("device-form").addEventListener("submit", rename);
    $("event-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const people = Number($("ev-people").value.trim() || 0);
      const homes = Number($("ev-households").value.trim() || 0);
      const valid = (n) => Number.isInteger(n) && n >= 0;
      if (!valid(people) || !valid(homes) || people + homes < 1) {
        $("ev-error").textContent = S.reach_needed;
        $("ev-error").hidden = false;
        return;
      }
      $("ev-error").hidden = true;
      const village = $("ev-village");
      const record = {
        uuid: uuid(),
        type: "activity",
        data: {
          kind: "propaganda", occurred_on: today(), village_id: Number(village.value), channel: $("ev-channel").value,
          people_reached: people, households_reached: homes,
        },
      };
      const reached = [people ? `${people} ${S.people}` : "", homes ? `${homes} ${S.households}` : ""].filter(Boolean).join(", ");
      await enqueue(record, `${village.selectedOptions[0].textContent}: ${$("ev-channel").selectedOptions[0].textContent} (${reached})`);
      $("ev-people").value = "";
      $("ev-households").value = "";
      tab("queue");
    });
    window.addEventListener("online", () => { wait = 2000; sync(); });
    window.addEventListener("offline", () => { if (!gated) show(); });
    window.addEventListener("pageshow", () => { if (!gated) listGuides(); }); // back from a guide: the list as it is now
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data && event.data.type === "guides-kept" && !gated) listGuides();
      });
    }
    if (!(await settle())) return;
    await fillAccount();
    await show();
    sync();
  }

  start();
})();
