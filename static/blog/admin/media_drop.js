// Drop or paste images into a post body: each is uploaded to the media library and its
// Markdown inserted at the cursor, with the alt text placeholder selected to type over.
(function () {
  "use strict";
  const PLACEHOLDER = "Describe this image";

  function csrfToken(form) {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function imagesOf(transfer) {
    return transfer ? Array.from(transfer.files || []).filter(function (file) {
      return file.type.indexOf("image/") === 0;
    }) : [];
  }

  function insert(body, text, selectFrom, selectTo) {
    const start = body.selectionStart, end = body.selectionEnd;
    body.value = body.value.slice(0, start) + text + body.value.slice(end);
    body.focus();
    body.setSelectionRange(start + selectFrom, start + selectTo);
    body.dispatchEvent(new Event("input", { bubbles: true }));  // the live preview follows
  }

  function upload(body, status, files) {
    files.forEach(function (file) {
      const data = new FormData();
      data.append("file", file);
      status.textContent = "Uploading " + file.name + "…";
      fetch(body.dataset.imageUploadUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(body.form) },
      })
        .then(function (response) {
          return response.json().then(function (json) { return { ok: response.ok, json: json }; });
        })
        .then(function (result) {
          if (!result.ok) {
            status.textContent = result.json.error || "The upload failed.";
            return;
          }
          const alt = result.json.alt || PLACEHOLDER;
          const before = body.selectionStart > 0 ? "\n\n" : "";
          const text = before + "![" + alt + "](" + result.json.url + ")\n\n";
          const from = before.length + 2;
          insert(body, text, from, result.json.alt ? from : from + alt.length);
          status.textContent = "Uploaded " + file.name + (result.json.alt ? "." : ": describe it between the brackets.");
        })
        .catch(function () {
          status.textContent = "The upload of " + file.name + " failed.";
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-image-upload-url]").forEach(function (body) {
      const status = document.createElement("p");
      status.className = "help media-drop-status";
      status.setAttribute("role", "status");
      status.textContent = "Drop or paste images here to upload them to the library.";
      body.insertAdjacentElement("afterend", status);
      body.addEventListener("dragover", function (event) {
        if (event.dataTransfer && Array.from(event.dataTransfer.types).indexOf("Files") !== -1) {
          event.preventDefault();
        }
      });
      body.addEventListener("drop", function (event) {
        const files = imagesOf(event.dataTransfer);
        if (!files.length) return;
        event.preventDefault();
        upload(body, status, files);
      });
      // Images dropped or pasted into the Markdown editor (editor.js) that covers the textarea.
      body.addEventListener("desk:image-files", function (event) {
        event.preventDefault();
        upload(body, status, event.detail.files);
      });
      body.addEventListener("paste", function (event) {
        const files = imagesOf(event.clipboardData);
        if (!files.length) return;
        event.preventDefault();
        upload(body, status, files);
      });
    });
  });
})();
