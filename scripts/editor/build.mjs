// Builds the admin's writing desk from npm packages into committed static files:
// - static/blog/admin/editor.js: scripts/editor/editor.js and CodeMirror, one minified file;
// - static/blog/admin/preview.css: the site's stylesheets scoped to #desk-preview, so the
//   admin's preview looks as the post will, without restyling the rest of the admin.
// Run it through scripts/build_editor after changing either source or the packages.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import postcss from "postcss";
import prefixer from "postcss-prefix-selector";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "static", "blog", "admin");
const packages = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies;
const versions = Object.entries(packages)
  .filter(([name]) => name.startsWith("@codemirror/") || name.startsWith("@lezer/"))
  .map(([name, version]) => `${name}@${version}`)
  .join(", ");

await esbuild.build({
  entryPoints: [join(root, "scripts", "editor", "editor.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome105", "firefox110", "safari16"],
  legalComments: "none",
  banner: {
    js:
      "/* The post editor, built by scripts/build_editor from scripts/editor/editor.js; do not " +
      `edit by hand. Includes CodeMirror (MIT licence, (C) Marijn Haverbeke and others): ${versions}. */`,
  },
  outfile: join(out, "editor.js"),
});

// The selectors every scoped rule starts with; html, body and :root become the box itself.
const PREFIX = "#desk-preview";
const sources = ["site.css", "pygments.css"].map((name) => join(root, "static", "css", name));
const digest = createHash("sha256");
let css = `/* The site's stylesheets scoped to ${PREFIX}, built by scripts/build_editor; do not edit by hand.\n`;
const parts = [];
for (const file of sources) {
  const text = readFileSync(file, "utf8");
  digest.update(text);
  const result = await postcss([
    prefixer({
      prefix: PREFIX,
      transform(prefix, selector, prefixed) {
        return /^(html|body|:root)$/.test(selector.trim()) ? prefix : prefixed;
      },
    }),
  ]).process(text, { from: file });
  parts.push(result.css);
}
css += `   sources sha256: ${digest.digest("hex")} */\n`;
// The admin's own rules (fieldsets, lists, tables) would otherwise reach into the preview.
css += `${PREFIX} * { all: revert; }\n`;
css += `${PREFIX} { display: block; overflow-wrap: break-word; min-width: 0; }\n`;
css += parts.join("\n");
writeFileSync(join(out, "preview.css"), css);
console.log("Wrote static/blog/admin/editor.js and static/blog/admin/preview.css");
