// The post form's SEO previews: the post as a search result and as a link preview's card,
// redrawn as the author types. The rules are blog.seo's (each empty SEO field falls back to
// the post's own; results shortened as Google shortens them). Loaded as a file (no inline
// script) for the admin's Content-Security-Policy; without it the previews show the post as
// last saved.
"use strict";
(function () {
  const TITLE_CHARS = 60;
  const DESCRIPTION_CHARS = 155;
  const FALLBACK_WORDS = 40;
  const ELLIPSIS = "…";

  function squash(text) {
    return text.split(/\s+/).filter(Boolean).join(" ");
  }

  // blog.seo.shorten: cut at the last whole word within the limit, then an ellipsis.
  function shorten(text, limit) {
    const chars = Array.from(squash(text));
    if (chars.length <= limit) return chars.join("");
    let cut = chars.slice(0, limit + 1).join("");
    const space = cut.lastIndexOf(" ");
    cut = space > Math.floor(limit / 2) ? cut.slice(0, space) : chars.slice(0, limit).join("");
    return cut.replace(/[ ,.;:\-–—]+$/u, "") + " " + ELLIPSIS;
  }

  // Django's |truncatewords, which shortens a description made from the post's summary.
  function words(text, count) {
    const all = squash(text).split(" ").filter(Boolean);
    return all.length > count ? all.slice(0, count).join(" ") + " " + ELLIPSIS : all.join(" ");
  }

  function absoluteHttp(value) {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url : null;
    } catch (error) {
      return null;
    }
  }

  // An image address the preview may load: http(s), or a path on this site.
  function imageSource(value) {
    value = value.trim();
    if (!value) return "";
    if (value.startsWith("/") && !value.startsWith("//")) return value;
    return absoluteHttp(value) ? value : "";
  }

  function setUp() {
    const box = document.querySelector(".seo-preview");
    if (!box) return;
    const field = (name) => document.getElementById("id_" + name);
    const value = (name) => (field(name) ? field(name).value.trim() : "");
    const show = (selector, text) => {
      box.querySelector(selector).textContent = text;
    };
    const library = JSON.parse(box.dataset.library || "{}");
    const pending = new Set();
    let timer = null;

    function libraryImage(name) {
      const id = value(name);
      if (!id) return "";
      if (id in library) return library[id];
      if (!pending.has(id)) {
        pending.add(id);
        const url = box.dataset.imageUrl.replace(/0\/$/, encodeURIComponent(id) + "/");
        fetch(url, { credentials: "same-origin" })
          .then((response) => (response.ok ? response.json() : { url: "" }))
          .then((result) => {
            library[id] = result.url || "";
            draw();
          })
          .catch(() => {
            library[id] = "";
          });
      }
      return "";
    }

    function image() {
      if (value("social_library_image")) return libraryImage("social_library_image");
      if (value("social_image")) return imageSource(value("social_image"));
      if (value("cover_library_image")) return libraryImage("cover_library_image");
      return imageSource(value("cover_image"));
    }

    function address() {
      const canonical = absoluteHttp(value("canonical_url"));
      if (canonical) return canonical;
      const slug = value("slug");
      if (!slug) return new URL(box.dataset.siteUrl);
      return new URL(box.dataset.postUrl.replace(box.dataset.slugPlaceholder, slug));
    }

    function draw() {
      const title = value("title");
      const metaTitle = value("meta_title");
      const metaDescription = value("meta_description");
      const summary = value("description") || box.dataset.excerpt || "";
      const description = metaDescription || words(summary, FALLBACK_WORDS);
      const pageTitle = metaTitle || `${title} · ${box.dataset.siteTitle}`;
      const url = address();
      const crumbs = [url.host, ...url.pathname.split("/").filter(Boolean).map(decodeURIComponent)];
      show(".seo-result-url", crumbs.join(" › "));
      show(".seo-result-title", shorten(pageTitle, TITLE_CHARS));
      show(".seo-result-description", shorten(description, DESCRIPTION_CHARS));
      show(".seo-card-domain", url.host);
      show(".seo-card-title", metaTitle || title);
      show(".seo-card-description", shorten(description, DESCRIPTION_CHARS));
      drawImage(image());
      const counts = box.querySelector(".seo-counts");
      counts.textContent =
        `Title: ${Array.from(metaTitle).length} of about ${TITLE_CHARS} characters shown. ` +
        `Description: ${Array.from(metaDescription).length} of about ${DESCRIPTION_CHARS} shown.`;
      counts.classList.toggle(
        "seo-over",
        Array.from(metaTitle).length > TITLE_CHARS ||
          Array.from(metaDescription).length > DESCRIPTION_CHARS
      );
    }

    function drawImage(src) {
      const frame = box.querySelector(".seo-card-frame");
      let img = frame.querySelector(".seo-card-image");
      if (!src) {
        if (img) img.remove();
        return;
      }
      if (!img) {
        img = document.createElement("img");
        img.className = "seo-card-image";
        img.alt = "";
        frame.prepend(img);
      }
      if (img.getAttribute("src") !== src) img.src = src;
    }

    function later() {
      // After the admin's own listeners (the slug follows the title on a new post).
      clearTimeout(timer);
      timer = setTimeout(draw, 100);
    }

    const names = [
      "title", "slug", "description", "meta_title", "meta_description", "canonical_url",
      "social_image", "cover_image", "social_library_image", "cover_library_image",
    ];
    for (const name of names) {
      const input = field(name);
      if (!input) continue;
      input.addEventListener("input", later);
      input.addEventListener("change", later);
      // The library choosers are select2 widgets, which announce changes through jQuery.
      if (input.tagName === "SELECT" && window.django && window.django.jQuery) {
        window.django.jQuery(input).on("change", later);
      }
    }
    draw();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
