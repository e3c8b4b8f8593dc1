// The post body's Markdown editor: CodeMirror 6 over the form's <textarea>.
//
// Bundled by scripts/build_editor into static/blog/admin/editor.js (one file, no CDN). The
// textarea stays the form field: every change is copied into it and announced with an
// "input" event, so the preview, the autosave and the form's submit keep working on it alone,
// and the page still works when this script does not load.
//
// Seams for other scripts, as events on the textarea:
// - "desk:replace" (listened for): the textarea's value was replaced (a restored autosave);
//   the editor takes it over.
// - "desk:image" (sent, cancelable, detail.insert(markdown)): the image button; a media
//   library that handles it calls preventDefault() and later detail.insert("![alt](url)").
//   Unhandled, a Markdown image template is inserted.
// - "desk:image-files" (sent, cancelable, detail.files, detail.insert): images pasted or
//   dropped into the editor; the media library's media_drop.js uploads them and inserts
//   their Markdown at the textarea's cursor, which follows the editor's. Unhandled, the
//   browser's default applies (nothing is inserted).
import { EditorSelection, EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  keymap,
  placeholder,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  HighlightStyle,
  Language,
  LanguageSupport,
  defineLanguageFacet,
  syntaxHighlighting,
} from "@codemirror/language";
import { GFM, parser as markdownParser } from "@lezer/markdown";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { tags } from "@lezer/highlight";

// Markdown with GitHub's extensions (tables, strikethrough, task lists), as the site renders.
// Built from the parser directly: @codemirror/lang-markdown also bundles the HTML, CSS and
// JavaScript languages for embedded code, a third of the file, which a post editor can spare.
const markdown = new LanguageSupport(
  new Language(defineLanguageFacet({}), markdownParser.configure(GFM), [], "markdown")
);

// Colours come from the admin's own variables, so light and dark mode both read well.
const markdownStyle = HighlightStyle.define([
  { tag: tags.heading1, fontSize: "1.35em", fontWeight: "700" },
  { tag: tags.heading2, fontSize: "1.2em", fontWeight: "700" },
  { tag: [tags.heading3, tags.heading4, tags.heading5, tags.heading6], fontWeight: "700" },
  { tag: tags.strong, fontWeight: "700" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: [tags.link, tags.url], color: "var(--link-fg, #417893)" },
  { tag: tags.monospace, fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
  { tag: tags.quote, color: "var(--body-quiet-color, #555)", fontStyle: "italic" },
  { tag: [tags.processingInstruction, tags.meta, tags.contentSeparator], color: "var(--body-quiet-color, #666)" },
  { tag: tags.list, color: "var(--body-quiet-color, #666)" },
]);

// --- editing commands: each takes the view and returns true (CodeMirror's command shape) ---

/** Wrap each selection in `before`/`after`, or unwrap it when it is already wrapped. */
function wrap(before, after = before, empty = "text") {
  return (view) => {
    const { state } = view;
    view.dispatch(
      state.changeByRange((range) => {
        const text = state.sliceDoc(range.from, range.to);
        const outside = state.sliceDoc(range.from - before.length, range.to + after.length);
        if (outside === before + text + after && !range.empty) {
          return {
            changes: [
              { from: range.from - before.length, to: range.from },
              { from: range.to, to: range.to + after.length },
            ],
            range: EditorSelection.range(range.from - before.length, range.to - before.length),
          };
        }
        const inner = text || empty;
        const start = range.from + before.length;
        return {
          changes: { from: range.from, to: range.to, insert: before + inner + after },
          range: EditorSelection.range(start, start + inner.length),
        };
      }),
      { scrollIntoView: true, userEvent: "input" }
    );
    view.focus();
    return true;
  };
}

/** Toggle `prefix` at the start of every line the selection touches. */
function prefixLines(prefix, matcher) {
  return (view) => {
    const { state } = view;
    const lines = new Set();
    for (const range of state.selection.ranges) {
      for (let at = range.from; at <= range.to; ) {
        const line = state.doc.lineAt(at);
        lines.add(line.number);
        at = line.to + 1;
      }
    }
    const numbers = [...lines].sort((a, b) => a - b);
    const all = numbers.every((n) => matcher.test(state.doc.line(n).text));
    const changes = numbers.map((n) => {
      const line = state.doc.line(n);
      if (all) {
        const found = line.text.match(matcher)[0];
        return { from: line.from, to: line.from + found.length };
      }
      const existing = line.text.match(matcher);
      return {
        from: line.from,
        to: line.from + (existing ? existing[0].length : 0),
        insert: prefix,
      };
    });
    const changeSet = state.changes(changes);
    // A cursor where a prefix goes in moves after it, ready to type the heading or item.
    const selection = state.selection.map(changeSet, 1);
    view.dispatch({ changes: changeSet, selection, scrollIntoView: true, userEvent: "input" });
    view.focus();
    return true;
  };
}

/** Insert `text` at the cursor on lines of its own, selecting `select` inside it. */
function insertBlock(text, select) {
  return (view) => {
    const { state } = view;
    const range = state.selection.main;
    const line = state.doc.lineAt(range.from);
    const before = line.from === range.from ? "" : "\n\n";
    const after = state.doc.length > range.to ? "\n" : "";
    const insert = before + text + after;
    const start = range.from + before.length + text.indexOf(select);
    view.dispatch({
      changes: { from: range.from, to: range.to, insert },
      selection: EditorSelection.range(start, start + select.length),
      scrollIntoView: true,
      userEvent: "input",
    });
    view.focus();
    return true;
  };
}

function link(view) {
  const { state } = view;
  view.dispatch(
    state.changeByRange((range) => {
      const text = state.sliceDoc(range.from, range.to) || "link text";
      const insert = `[${text}](https://)`;
      const url = range.from + text.length + 3;
      return {
        changes: { from: range.from, to: range.to, insert },
        range: EditorSelection.range(url, url + "https://".length),
      };
    }),
    { scrollIntoView: true, userEvent: "input" }
  );
  view.focus();
  return true;
}

function code(view) {
  const range = view.state.selection.main;
  if (view.state.sliceDoc(range.from, range.to).includes("\n")) {
    const text = view.state.sliceDoc(range.from, range.to);
    return insertBlock("```\n" + text + "\n```", text)(view);
  }
  return wrap("`", "`", "code")(view);
}

function insertAtCursor(view, text) {
  const range = view.state.selection.main;
  view.dispatch({
    changes: { from: range.from, to: range.to, insert: text },
    selection: EditorSelection.cursor(range.from + text.length),
    scrollIntoView: true,
    userEvent: "input",
  });
  view.focus();
}

function image(view, textarea) {
  const request = new CustomEvent("desk:image", {
    cancelable: true,
    detail: { insert: (text) => insertAtCursor(view, text) },
  });
  if (!textarea.dispatchEvent(request)) return true;
  if (textarea.dataset.imageUploadUrl) {
    // The media library takes uploads: choose a file, handed over as if dropped.
    const picker = document.createElement("input");
    picker.type = "file";
    picker.accept = "image/*";
    picker.multiple = true;
    picker.addEventListener("change", () => {
      const files = [...picker.files];
      if (files.length) sendFiles(view, textarea, files);
    });
    picker.click();
    return true;
  }
  // No media library answered: a template with the address selected.
  const range = view.state.selection.main;
  const alt = view.state.sliceDoc(range.from, range.to) || "Describe the image";
  const insert = `![${alt}](https://)`;
  const url = range.from + alt.length + 4;
  view.dispatch({
    changes: { from: range.from, to: range.to, insert },
    selection: EditorSelection.range(url, url + "https://".length),
    scrollIntoView: true,
    userEvent: "input",
  });
  view.focus();
  return true;
}

const TABLE = "| Column | Column |\n| ------ | ------ |\n| Cell   | Cell   |";

// The toolbar, in order: [name, label, shortcut, command]. Shortcuts follow GitHub's editor.
function toolbarItems(textarea) {
  return [
    ["heading", "Heading", "Mod-h", prefixLines("## ", /^#{1,6} /)],
    ["bold", "Bold", "Mod-b", wrap("**", "**", "bold text")],
    ["italic", "Italic", "Mod-i", wrap("_", "_", "italic text")],
    ["link", "Link", "Mod-k", link],
    ["image", "Image", "Mod-Shift-i", (view) => image(view, textarea)],
    ["code", "Code", "Mod-e", code],
    ["quote", "Quote", "Mod-Shift-.", prefixLines("> ", /^> ?/)],
    ["list", "Bulleted list", "Mod-Shift-8", prefixLines("- ", /^[-*+] /)],
    ["table", "Table", null, insertBlock(TABLE, "Column")],
  ];
}

// The admin's Content-Security-Policy admits the editor's <style> element by the nonce this
// script was loaded with (templates/admin/blog/post/change_form.html).
const NONCE = document.currentScript ? document.currentScript.nonce : "";

const MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function shortcutText(key) {
  return key
    .replace("Mod", MAC ? "⌘" : "Ctrl")
    .replace("Shift", MAC ? "⇧" : "Shift")
    .split("-")
    .map((part) => (part.length === 1 ? part.toUpperCase() : part))
    .join(MAC ? "" : "+");
}

function buildToolbar(view, items, onPreviewToggle) {
  const bar = document.createElement("div");
  bar.className = "desk-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  for (const [name, label, key, command] of items) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `desk-button desk-${name}`;
    button.dataset.command = name;
    const title = key ? `${label} (${shortcutText(key)})` : label;
    button.title = title;
    button.setAttribute("aria-label", title);
    button.textContent = label;
    // Keep the editor's selection: a mouse press would otherwise move focus first.
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => command(view));
    bar.append(button);
  }
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "desk-button desk-preview-toggle";
  toggle.textContent = "Side-by-side preview";
  toggle.setAttribute("aria-pressed", "true");
  toggle.addEventListener("click", () => {
    const on = toggle.getAttribute("aria-pressed") !== "true";
    toggle.setAttribute("aria-pressed", String(on));
    onPreviewToggle(on);
  });
  bar.append(toggle);
  return bar;
}

function mount(textarea) {
  const desk = document.createElement("div");
  desk.className = "desk desk-with-preview";
  const writing = document.createElement("div");
  writing.className = "desk-writing";
  desk.append(writing);

  const fromEditor = { current: false };
  const items = toolbarItems(textarea);
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        EditorView.cspNonce.of(NONCE),
        history(),
        drawSelection(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        EditorView.lineWrapping,
        markdown,
        syntaxHighlighting(markdownStyle),
        placeholder("Write in Markdown…"),
        keymap.of([
          ...items.filter((item) => item[2]).map(([, , key, run]) => ({ key, run, preventDefault: true })),
          ...defaultKeymap,
          ...historyKeymap,
          ...searchKeymap,
          indentWithTab,
        ]),
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent.replace(/:\s*$/, "") : "Body",
          "aria-multiline": "true",
          spellcheck: "true",
          lang: document.documentElement.lang || "en",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
          if (update.docChanged || update.selectionSet) {
            // Scripts that edit the textarea at its cursor (the media library's image
            // upload) find the editor's cursor there.
            const { from, to } = update.state.selection.main;
            textarea.setSelectionRange(from, to);
          }
          if (!update.docChanged) return;
          fromEditor.current = true;
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
          fromEditor.current = false;
        }),
        EditorView.domEventHandlers({
          paste: (event, view) => handleFiles(event, event.clipboardData, view, textarea),
          drop: (event, view) => handleFiles(event, event.dataTransfer, view, textarea),
        }),
      ],
    }),
  });

  const toolbar = buildToolbar(view, items, (on) => desk.classList.toggle("desk-with-preview", on));
  writing.append(toolbar, view.dom);

  // The preview (blog.admin.posts' rendered_preview) moves beside the writing area, inside a
  // box the site's stylesheet (scoped, static/blog/admin/preview.css) styles as readers see it.
  const live = document.querySelector(".live-preview");
  if (live) {
    const body = live.querySelector(".preview-body");
    const page = document.createElement("div");
    page.id = "desk-preview";
    body.replaceWith(page);
    page.append(body);
    live.classList.add("desk-preview-pane");
    desk.append(live);
    const oldRow = document.querySelector(".field-rendered_preview");
    const fieldset = oldRow && oldRow.closest("fieldset");
    if (fieldset && !fieldset.querySelector(".form-row:not(.field-rendered_preview)")) {
      fieldset.hidden = true;
    }
  }

  textarea.classList.add("desk-source");
  textarea.hidden = true;
  textarea.after(desk);
  textarea.closest(".form-row")?.classList.add("desk-row");
  if (label) label.addEventListener("click", () => view.focus());

  // Another script replaced the text (a restored autosave): show it.
  textarea.addEventListener("desk:replace", () => {
    if (view.state.doc.toString() === textarea.value) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
  });
  // A programmatic edit of the textarea (not one copied from here) is taken over too, with
  // the cursor where that script left the textarea's.
  textarea.addEventListener("input", () => {
    if (fromEditor.current || view.state.doc.toString() === textarea.value) return;
    const { selectionStart, selectionEnd } = textarea;
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: textarea.value },
      selection: EditorSelection.range(selectionStart, selectionEnd),
      scrollIntoView: true,
    });
    view.focus();
  });
  document.documentElement.classList.add("desk-ready");
  return view;
}

/** Offer image files to whoever uploads them; true when someone took them. */
function sendFiles(view, textarea, files) {
  const request = new CustomEvent("desk:image-files", {
    cancelable: true,
    detail: { files, insert: (text) => insertAtCursor(view, text) },
  });
  return !textarea.dispatchEvent(request);
}

function handleFiles(event, transfer, view, textarea) {
  const files = transfer ? [...transfer.files].filter((f) => f.type.startsWith("image/")) : [];
  if (!files.length || !sendFiles(view, textarea, files)) return false;
  event.preventDefault();
  return true;
}

function start() {
  const textarea = document.querySelector("textarea[data-markdown-editor]");
  if (textarea && !textarea.classList.contains("desk-source")) mount(textarea);
}

// After the other scripts' DOMContentLoaded set-up (this one is deferred), so what they add
// beside the textarea ends up below the editor.
if (document.readyState === "complete") {
  start();
} else {
  document.addEventListener("DOMContentLoaded", start);
}
