// The editor's Image button: a dialog to pick an image from the media library (searchable,
// newest first) or upload a new one. Listens for editor.js's "desk:image" event; without the
// editor or without this script, the button uploads directly.
(function () {
  "use strict";

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function buildDialog(body, insert) {
    const dialog = element("dialog", "media-picker");
    dialog.setAttribute("aria-labelledby", "media-picker-title");
    const title = element("h2", "", "Insert an image");
    title.id = "media-picker-title";
    const search = element("input", "vTextField");
    search.type = "search";
    search.placeholder = "Search alt text, caption, credit or file name";
    search.setAttribute("aria-label", "Search the library");
    const grid = element("ul", "media-picker-grid");
    const status = element("p", "help");
    status.setAttribute("role", "status");
    const actions = element("div", "media-picker-actions");
    const upload = element("button", "button", "Upload a new image…");
    upload.type = "button";
    const cancel = element("button", "button", "Cancel");
    cancel.type = "button";
    actions.append(upload, cancel);
    dialog.append(title, search, status, grid, actions);

    function show(images) {
      grid.replaceChildren();
      status.textContent = images.length
        ? images.length + " image(s). Pick one to insert it at the cursor."
        : "No image matches.";
      images.forEach(function (image) {
        const item = element("li");
        const pick = element("button", "media-picker-choice");
        pick.type = "button";
        pick.dataset.markdown = image.markdown;
        // The thumbnail is the admin's own <picture> markup for a library image.
        pick.innerHTML = image.thumbnail;
        const label = element("span", "", image.label + (image.alt ? "" : " (no alt text)"));
        pick.append(label);
        pick.addEventListener("click", function () {
          insert(image.markdown);
          dialog.close();
        });
        item.append(pick);
        grid.append(item);
      });
    }

    let pending = null;
    function load() {
      const url = new URL(body.dataset.imageChooseUrl, window.location.href);
      if (search.value) url.searchParams.set("q", search.value);
      if (pending) pending.abort();
      pending = new AbortController();
      status.textContent = "Loading the library…";
      fetch(url, { credentials: "same-origin", signal: pending.signal })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) throw new Error(data.error || "The library could not be read.");
            show(data.images);
          });
        })
        .catch(function (error) {
          if (error.name !== "AbortError") status.textContent = error.message;
        });
    }

    let timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    });
    cancel.addEventListener("click", function () {
      dialog.close();
    });
    upload.addEventListener("click", function () {
      const input = element("input");
      input.type = "file";
      input.accept = "image/*";
      input.multiple = true;
      input.addEventListener("change", function () {
        const files = Array.from(input.files);
        if (!files.length) return;
        dialog.close();
        body.dispatchEvent(
          new CustomEvent("desk:image-files", {
            cancelable: true,
            detail: { files: files, insert: insert },
          }),
        );
      });
      input.click();
    });
    dialog.addEventListener("close", function () {
      dialog.remove();
      if (pending) pending.abort();
    });
    document.body.append(dialog);
    load();
    return dialog;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-image-choose-url]").forEach(function (body) {
      body.addEventListener("desk:image", function (event) {
        event.preventDefault();
        buildDialog(body, event.detail.insert).showModal();
      });
    });
  });
})();
