/* On the sign-in page (nobody signed in in this browser): the phone app's data must not outlive the
 * session. Records still waiting are sent under the app's own device token (each record carries its
 * author and UUID, so this is the same push the app makes); then households, people, the catalogue, the
 * queue and the token are cleared. Records that cannot be sent (no network, the device cut off) stay,
 * with the minimum needed to send them when their author signs in again; the households go regardless.
 */
"use strict";

(async () => {
  try {
    await clearPhone();
  } finally {
    // Done (or nothing to do): what waits on the sign-in page for the phone to be clean can go on.
    document.documentElement.dataset.phoneCleared = "1";
  }
})();

async function clearPhone() {
  if (!("indexedDB" in window) || !indexedDB.databases) return;
  if (!(await indexedDB.databases()).some((d) => d.name === "cdtt-app")) return; // never opened: create nothing
  const db = await new Promise((ok, fail) => {
    const request = indexedDB.open("cdtt-app");
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });
  if (!db.objectStoreNames.contains("queue")) return db.close();
  const ask = (store, mode, work) => new Promise((ok, fail) => {
    const t = db.transaction(store, mode);
    const request = work(t.objectStore(store));
    t.oncomplete = () => ok(request ? request.result : undefined);
    t.onerror = () => fail(t.error);
  });
  const token = await ask("meta", "readonly", (s) => s.get("token"));
  const waiting = (await ask("queue", "readonly", (s) => s.getAll()))
    .filter((item) => item.state === "waiting")
    .sort((a, b) => (a.seq ?? -1) - (b.seq ?? -1) || a.made.localeCompare(b.made));
  let left = waiting.length;
  if (left && token) {
    try {
      for (let start = 0; start < waiting.length; start += 50) {
        const part = waiting.slice(start, start + 50);
        const response = await fetch("/api/v1/sync/push", {
          method: "POST",
          credentials: "omit",
          headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
          body: JSON.stringify({ records: part.map((item) => item.record) }),
        });
        if (!response.ok) break;
        for (const result of (await response.json()).results) {
          const item = part.find((candidate) => candidate.uuid === result.uuid);
          if (item && ["accepted", "duplicate", "edited"].includes(result.status)) left -= 1;
        }
      }
    } catch (error) {
      // No network: what is left stays for its author.
    }
  }
  const keep = new Set(["owner", "token", "seq", "revoked", "device_name"]);
  if (!left) {
    for (const store of ["households", "platforms", "queue", "meta"]) await ask(store, "readwrite", (s) => s.clear());
  } else {
    await ask("households", "readwrite", (s) => s.clear());
    for (const key of await ask("meta", "readonly", (s) => s.getAllKeys())) {
      if (!keep.has(key)) await ask("meta", "readwrite", (s) => s.delete(key));
    }
    // The records' labels name households: keep only when each was made.
    for (const item of await ask("queue", "readonly", (s) => s.getAll())) {
      item.label = new Date(item.made).toLocaleString("vi-VN");
      await ask("queue", "readwrite", (s) => s.put(item));
    }
    await ask("meta", "readwrite", (s) => s.put(true, "signed_out")); // offline, the app opens on "signed out"
  }
  if ("caches" in window) await caches.delete("cdtt-guides");
  db.close();
}
