"""The signing page a customer's contact opens from their link: the exact document version, a pad
to draw on (touch, pen or mouse), their typed name and comment, accept or decline. One small
self-contained HTML document; every value from the document is escaped."""

from __future__ import annotations

import html
from string import Template

from kernel.signing.domain import SigningSheet

HEADERS = {
    # The link's secret is in the address: never cached, never sent on as a referrer.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def _csp(nonce: str) -> str:
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src data:; connect-src 'self'; form-action 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def headers(nonce: str) -> dict[str, str]:
    return {**HEADERS, "Content-Security-Policy": _csp(nonce)}


_STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:44rem;padding:1rem;color:#1d1d1f}
h1{font-size:1.3rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}
dt{color:#555}dd{margin:0}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}
label{display:block;margin-top:1rem;font-weight:600}
input,textarea{width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem}
canvas{border:1px solid #888;border-radius:4px;width:100%;height:12rem;touch-action:none;
background:#fff}
.actions{display:flex;gap:.5rem;margin-top:1rem;flex-wrap:wrap}
button{font-size:1rem;padding:.6rem 1.2rem}
.version{color:#777;font-size:.8rem;word-break:break-all}
.refused{color:#a00}
@media (max-width:34rem){
thead{display:none}table,tbody,tr,td{display:block}tr{border-bottom:1px solid #ddd;padding:.3rem 0}
td{border:0;padding:.1rem 0}td::before{content:attr(data-label) ": ";color:#555}}
"""

_PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title><style nonce="$nonce">$style</style></head>
<body>
<h1 id="title">$title</h1>
<dl id="facts">$facts</dl>
$table
<p class="version">Version <span id="version">$version</span></p>
<form id="answer">
<label for="typed-name">Your name</label>
<input id="typed-name" name="typed_name" maxlength="200" autocomplete="name" required>
<label for="pad">Your signature</label>
<canvas id="pad" width="600" height="200"></canvas>
<label for="comment">Comments (kept exactly as written)</label>
<textarea id="comment" name="comment" maxlength="2000" rows="3"></textarea>
<div class="actions">
<button type="button" id="clear">Clear signature</button>
<button type="button" id="accept" disabled>Sign</button>
<button type="button" id="decline">Decline</button>
</div>
</form>
<p id="result" role="status"></p>
<script nonce="$nonce">
const pad = document.getElementById("pad"), ink = pad.getContext("2d");
const accept = document.getElementById("accept"), result = document.getElementById("result");
let drawing = false, drawn = false;
ink.lineWidth = 3; ink.lineCap = "round"; ink.strokeStyle = "#111";
function at(e) {
  const box = pad.getBoundingClientRect();
  return [(e.clientX - box.left) * pad.width / box.width,
          (e.clientY - box.top) * pad.height / box.height];
}
pad.addEventListener("pointerdown", e => {
  drawing = true; pad.setPointerCapture(e.pointerId);
  ink.beginPath(); ink.moveTo(...at(e));
});
pad.addEventListener("pointermove", e => {
  if (!drawing) return;
  ink.lineTo(...at(e)); ink.stroke(); drawn = true; accept.disabled = false;
});
pad.addEventListener("pointerup", () => { drawing = false; });
document.getElementById("clear").addEventListener("click", () => {
  ink.clearRect(0, 0, pad.width, pad.height); drawn = false; accept.disabled = true;
});
async function answer(signed) {
  const body = {
    signed: signed,
    typed_name: document.getElementById("typed-name").value,
    comment: document.getElementById("comment").value,
    image: signed && drawn ? pad.toDataURL("image/png") : null,
  };
  const response = await fetch(location.pathname, {
    method: "POST", credentials: "omit",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  const reply = await response.json();
  if (response.ok) {
    document.getElementById("answer").remove();
    result.id = "done";
    result.textContent = signed ? "Thank you: your signature is recorded."
                                : "Thank you: your answer is recorded.";
  } else {
    result.className = "refused";
    result.textContent = reply.rule + ": " + reply.reason;
  }
}
document.getElementById("answer").addEventListener("submit", e => e.preventDefault());
accept.addEventListener("click", () => answer(true));
document.getElementById("decline").addEventListener("click", () => answer(false));
</script>
</body></html>
""")

_REFUSED = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>This link cannot be used</title><style nonce="$nonce">$style</style></head>
<body><h1>This link cannot be used</h1>
<p class="refused" id="refusal"><strong id="rule">$rule</strong>: $reason</p>
<p>Please ask the person who sent it for a new link.</p></body></html>
""")

e = html.escape


def signing_page(sheet: SigningSheet, version_hash: str, nonce: str) -> str:
    facts = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in sheet.facts)
    table = ""
    if sheet.table_headers:
        head = "".join(f"<th>{e(h)}</th>" for h in sheet.table_headers)
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td data-label="{e(label)}">{e(cell)}</td>'
                for label, cell in zip(sheet.table_headers, row, strict=True)
            )
            + "</tr>"
            for row in sheet.table_rows
        )
        table = f'<table id="lines"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    return _PAGE.substitute(
        title=e(sheet.title),
        facts=facts,
        table=table,
        version=e(version_hash),
        nonce=nonce,
        style=_STYLE,
    )


def refusal_page(rule: str, reason: str, nonce: str) -> str:
    return _REFUSED.substitute(rule=e(rule), reason=e(reason), nonce=nonce, style=_STYLE)
