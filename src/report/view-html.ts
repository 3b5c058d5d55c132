/**
 * The viewer's page: one HTML document with its script (bundled at build time) and every
 * style inline, so it works offline and fetches nothing but the server's own /api. The
 * script reads the token from its URL and the state from its hash (view-page/).
 */
export function renderViewPage(options: {
  script: string;
  css: string;
  session?: number | undefined;
  report: boolean;
}): string {
  const boot = JSON.stringify({ session: options.session ?? null, report: options.report });
  const safe = (text: string) => text.replace(/<\/(script|style)/gi, '<\\/$1');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>functape view</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${safe(options.css)}
${PAGE_CSS}</style></head>
<body data-boot='${boot.replace(/'/g, '&#39;')}'>
<header><b>functape view</b>
<nav><a href="#" data-nav="sessions">Sessions</a><a href="#" data-nav="timeline">Timeline</a><a href="#" data-nav="report" hidden>Report</a></nav>
<span id="status"></span></header>
<main id="app"></main>
<script>${safe(options.script)}</script>
</body></html>
`;
}

const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff}
header{display:flex;gap:16px;align-items:center;padding:6px 12px;background:#24292f;color:#fff}
header nav a{color:#c9d1d9;margin-right:10px;text-decoration:none}
header nav a.on{color:#fff;text-decoration:underline}
#status{margin-left:auto;color:#8b949e;font-size:12px}
main{padding:8px 12px}
table.sessions{border-collapse:collapse;width:100%}
table.sessions th{cursor:pointer;text-align:left;background:#f6f8fa;user-select:none}
table.sessions th,table.sessions td{padding:4px 8px;border-bottom:1px solid #d0d7de;white-space:nowrap}
table.sessions tr.row:hover{background:#eef6ff;cursor:pointer}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:4px 0 6px}
.filters select,.filters input{font:inherit;padding:2px 4px}
.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;margin:2px 0}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
#gantt{width:100%;height:340px;display:block;border:1px solid #d0d7de;cursor:grab}
#gantt.drag{cursor:grabbing}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin-top:6px}
.charts h4,.panel h4{margin:4px 0;font-size:12px;color:#57606a}
.lower{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:10px;margin-top:8px}
#list{height:320px;overflow-y:auto;position:relative;border:1px solid #d0d7de;font:12px ui-monospace,monospace}
#list .row{position:absolute;left:0;right:0;height:20px;padding:0 6px;white-space:nowrap;overflow:hidden;cursor:pointer}
#list .row:hover{background:#eef6ff}
#list .row.sel{background:#ddf4ff}
#inspector{height:auto;min-height:320px;max-height:640px;overflow:auto;border:1px solid #d0d7de;padding:6px}
.msg{border-top:1px solid #d0d7de;padding:4px 0}
.msg h5{margin:2px 0;font-size:12px}
.tree{font:12px ui-monospace,monospace}
.tree details{margin-left:14px}
.tree summary{cursor:pointer}
.tree .leaf{margin-left:28px;white-space:pre-wrap;word-break:break-all}
.tree .k{color:#0550ae}
.tree .s{color:#0a3069}
.tree .n{color:#953800}
.diff,.tree .diff{background:#fff8c5;outline:1px solid #d4a72c}
pre.hex{font:11px ui-monospace,monospace;background:#f6f8fa;padding:4px;overflow:auto;max-height:200px}
.side{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.outcome{border:1px solid #d0d7de;margin:8px 0;padding:6px}
.bad{color:#cf222e}.ok{color:#1a7f37}
iframe.bench{width:100%;height:1400px;border:1px solid #d0d7de}
`;
