/* CDTT phone app: works offline after one online visit.
 *
 * Data lives in IndexedDB: the member's households and guides (from /api/v1/sync/pull), the catalogue
 * (/api/v1/catalog/platforms) and a queue of records made on the phone. The service worker keeps the small
 * guide files (it is told which after each sync), so they open offline; the others need the network. Every record gets a UUID when
 * it is made, so sending it twice is harmless; the queue is sent in batches of 50 when the network is
 * there, with growing waits after failures. Each record shows its state: waiting, sent, conflict or
 * refused (with the server's reason); failures can be retried or discarded, never dropped silently.
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

  // -- network -------------------------------------------------------------------------------------
  async function token() {
    let saved = await get("meta", "token");
    if (saved) return saved;
    const csrf = document.querySelector("meta[name=csrf-token]").content;
    const response = await fetch("/api/v1/sync/device", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ name: navigator.userAgent.slice(0, 60) }),
    });
    if (!response.ok) throw new Error("device " + response.status);
    saved = (await response.json()).token;
    await put("meta", saved, "token");
    return saved;
  }
  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      credentials: "omit",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + (await token()) },
    });
    if (response.status === 401) {
      const body = await response.json().catch(() => ({}));
      if (body.revoked) {
        const error = new Error(body.detail || S.revoked);
        error.revoked = true;
        throw error;
      }
      await del("meta", "token"); // expired: a new one is asked for from the session next time
    }
    if (!response.ok) throw new Error(path + " " + response.status);
    return response.json();
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
    const platforms = await api("/api/v1/catalog/platforms");
    for (const platform of platforms) await put("platforms", platform);
    await put("meta", await api("/api/v1/catalog/adoption-items"), "items");
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

  async function push() {
    const waiting = (await getAll("queue")).filter((item) => item.state === "waiting");
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
    if (busy || !navigator.onLine) return show();
    busy = true;
    try {
      await push();
      await pull();
      wait = 2000;
      await put("meta", new Date().toISOString(), "synced");
      await show();
    } catch (error) {
      await show(error.revoked ? error.message : "");
      if (!error.revoked) {
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
    const item = { uuid: record.uuid, record, label, state: "waiting", reason: "", made: new Date().toISOString() };
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
    for (const section of ["households", "household", "event", "progress", "guides", "queue"]) {
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
      people.append(el("label", { className: "chip" }, input, " " + person.full_name));
    });
    const box = $("outcomes");
    box.replaceChildren();
    for (const platform of (await getAll("platforms")).sort((a, b) => a.id - b.id)) {
      const choices = el("div", { className: "choices" });
      for (const outcome of platform.outcomes) {
        const button = el("button", { type: "button", className: "choice", textContent: outcome.name });
        button.addEventListener("click", () => guide(platform, outcome));
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
      const reached = forPerson ? false : current.reached.includes(item.code);
      button.disabled = reached;
      if (reached) button.classList.add("done");
      button.addEventListener("click", () => tick(item, forPerson));
      ticks.append(button);
    }
    $("saved").hidden = true;
    tab("household");
  }

  async function tick(item, forPerson) {
    const chosen = document.querySelector("#hh-people input:checked");
    const person = forPerson && chosen ? Number(chosen.value) : null;
    const record = {
      uuid: uuid(),
      type: "adoption",
      data: { household_id: current.id, resident_id: person, item: item.code, action: "set", reached_on: today() },
    };
    const label = `${current.head_name}: ${item.name}`;
    await enqueue(record, label);
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

  async function guide(platform, outcome) {
    const chosen = document.querySelector("#hh-people input:checked");
    const person = chosen ? Number(chosen.value) : null;
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
    for (const item of queue.sort((a, b) => b.made.localeCompare(a.made))) {
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

  // -- start --------------------------------------------------------------------------------------
  async function start() {
    db = await openDb();
    for (const button of document.querySelectorAll(".pwa-tabs button")) {
      button.addEventListener("click", () => tab(button.dataset.tab));
    }
    $("back").addEventListener("click", () => tab("households"));
    $("search").addEventListener("input", () => listHouseholds());
    $("sync").addEventListener("click", () => { wait = 2000; sync(); });
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
    window.addEventListener("offline", () => show());
    window.addEventListener("pageshow", () => listGuides()); // back from a guide: the list as it is now
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data && event.data.type === "guides-kept") listGuides();
      });
    }
    await show();
    sync();
  }

  start();
})();
