// The post form's autosave: after a pause in typing, the title and body go to the author's
// autosave slot on the server (blog.autosave); reopening the post offers them back. Leaving
// the page with changes not saved into the post asks first. Loaded as a file, like every
// admin script here; without it the form works as before.
"use strict";
(function () {
  const PAUSE_MS = 2000;

  function setUp() {
    const box = document.getElementById("desk-autosave");
    const body = document.getElementById("id_body");
    const form = body && body.form;
    if (!box || !form) return;
    const title = document.getElementById("id_title");
    const version = form.querySelector("input[name=version]");
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const url = box.dataset.url;
    const post = box.dataset.post;
    const opened = { title: title ? title.value : "", body: body.value };
    let saved = { ...opened };
    let timer = null;
    let submitting = false;

    const current = () => ({ title: title ? title.value : "", body: body.value });
    const changed = (a, b) => a.title !== b.title || a.body !== b.body;

    function send(fields) {
      const data = new FormData();
      data.append("post", post);
      for (const [key, value] of Object.entries(fields)) data.append(key, value);
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token },
      }).then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      });
    }

    function note(text) {
      let status = document.getElementById("desk-autosave-status");
      if (!status) {
        status = document.createElement("span");
        status.id = "desk-autosave-status";
        status.className = "desk-autosave-status";
        status.setAttribute("aria-live", "polite");
        const stats = document.querySelector(".preview-stats");
        if (stats) stats.after(status);
        else box.after(status);
      }
      status.textContent = text;
    }

    async function save() {
      const now = current();
      if (!changed(now, saved)) return;
      try {
        const result = await send({ ...now, version: version ? version.value : "" });
        saved = now;
        note(`Draft text autosaved at ${result.saved_at_display}.`);
      } catch (error) {
        note(`Autosave failed (${error.message}); your text is still here.`);
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(save, PAUSE_MS);
    }

    function offer(slot) {
      box.replaceChildren();
      const text = document.createElement("p");
      text.textContent =
        `You have text autosaved at ${slot.saved_at_display} that was never saved ` +
        (post ? "into this post." : "as a post.");
      const restore = document.createElement("button");
      restore.type = "button";
      restore.className = "button desk-restore";
      restore.textContent = "Restore the autosaved text";
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "button desk-discard";
      drop.textContent = "Discard it";
      restore.addEventListener("click", () => {
        if (title) title.value = slot.title;
        body.value = slot.body;
        // Saving the restored text checks for edits made since it was typed.
        if (version && slot.version) version.value = slot.version;
        body.dispatchEvent(new CustomEvent("desk:replace"));
        body.dispatchEvent(new Event("input", { bubbles: true }));
        saved = current();
        box.replaceChildren(document.createTextNode("Autosaved text restored. Save to keep it."));
      });
      drop.addEventListener("click", () => {
        send({ discard: "1" }).catch(() => {});
        box.hidden = true;
      });
      box.append(text, restore, " ", drop);
      box.hidden = false;
    }

    fetch(`${url}?post=${encodeURIComponent(post)}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { autosave: null }))
      .then((result) => {
        const slot = result.autosave;
        // A refused save shows the typed text again: nothing to offer then.
        if (slot && changed({ title: slot.title, body: slot.body }, current())) offer(slot);
      })
      .catch(() => {});

    body.addEventListener("input", schedule);
    if (title) title.addEventListener("input", schedule);
    form.addEventListener("submit", () => {
      submitting = true;
    });
    window.addEventListener("beforeunload", (event) => {
      if (submitting || !changed(current(), opened)) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
