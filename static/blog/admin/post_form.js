// The post form's live preview and tag suggestions. Loaded as a file (no inline script), so
// it works under a strict Content-Security-Policy; the form works without it.
"use strict";
(function () {
  function csrfToken(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setUpPreview() {
    const box = document.querySelector(".live-preview");
    const body = document.getElementById("id_body");
    if (!box || !body) return;
    const button = box.querySelector(".preview-button");
    const stats = box.querySelector(".preview-stats");
    const output = box.querySelector(".preview-body");
    let timer = null;
    let latest = 0;

    async function refresh() {
      const request = ++latest;
      const data = new FormData();
      data.append("body", body.value);
      try {
        const response = await fetch(box.dataset.previewUrl, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(body.form) },
        });
        const result = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(result.error || `HTTP ${response.status}`);
        if (request !== latest) return; // an older answer arriving late
        // The HTML is blog.rendering.render_post's sanitized output.
        output.innerHTML = result.html;
        stats.textContent = `${result.word_count} words · ${result.reading_minutes} min read`;
        box.classList.remove("preview-failed");
      } catch (error) {
        stats.textContent = `Preview failed (${error.message}); the post itself is unaffected.`;
        box.classList.add("preview-failed");
      }
    }

    button.addEventListener("click", refresh);
    // A refused save (e.g. an edit conflict) shows the stored body: preview the form's text.
    if (document.querySelector(".errornote")) refresh();
    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 600);
    });
  }

  // A <datalist> matches the whole input, but tags are comma-separated: offer each known tag
  // after what is already typed, so "python, dj" suggests "python, django".
  function setUpTagSuggestions() {
    const input = document.getElementById("id_tags");
    const list = document.getElementById("tag-suggestions");
    if (!input || !list) return;
    const names = Array.from(list.options, (option) => option.value);
    input.addEventListener("input", function () {
      const cut = input.value.lastIndexOf(",");
      const done = cut === -1 ? "" : input.value.slice(0, cut + 1) + " ";
      const typed = done ? done.replace(/\s+$/, " ") : "";
      list.replaceChildren(
        ...names.map((name) => {
          const option = document.createElement("option");
          option.value = typed + name;
          return option;
        })
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpPreview();
    setUpTagSuggestions();
  });
})();
