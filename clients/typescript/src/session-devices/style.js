// The element's style sheet, adopted by its shadow root (or inlined where adoptedStyleSheets is missing).

export const STYLE = `
:host {
  --sd-font: inherit;
  --sd-fg: #1b1f24;
  --sd-muted: #59636e;
  --sd-bg: #ffffff;
  --sd-surface: #f6f8fa;
  --sd-border: #d5dae0;
  --sd-accent: #1a5fd0;
  --sd-accent-fg: #ffffff;
  --sd-danger: #b42318;
  --sd-danger-fg: #ffffff;
  --sd-success-bg: #dcf5e3;
  --sd-success-fg: #14532d;
  --sd-warning-bg: #fff5e1;
  --sd-warning-fg: #6a3f00;
  --sd-warning-border: #eec169;
  --sd-focus: #1a5fd0;
  --sd-radius: 12px;
  --sd-gap: 16px;
  display: block;
  color: var(--sd-fg);
  font-family: var(--sd-font);
  line-height: 1.45;
  container-type: inline-size;
}
@media (prefers-color-scheme: dark) {
  :host {
    --sd-fg: #e6e9ed;
    --sd-muted: #a7b0ba;
    --sd-bg: #1d2127;
    --sd-surface: #252a31;
    --sd-border: #3b424c;
    --sd-accent: #8ab4f8;
    --sd-accent-fg: #0b1a33;
    --sd-danger: #ffb4ab;
    --sd-danger-fg: #410002;
    --sd-success-bg: #1b4029;
    --sd-success-fg: #b4ecc5;
    --sd-warning-bg: #3b2d11;
    --sd-warning-fg: #ffdc9a;
    --sd-warning-border: #7d5d1c;
    --sd-focus: #8ab4f8;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
h2, h3 { margin: 0; line-height: 1.25; }
h2 { font-size: 1.25rem; }
h3 { font-size: 1rem; overflow-wrap: anywhere; }
p { margin: 0; }
:focus-visible { outline: 3px solid var(--sd-focus); outline-offset: 2px; }
[tabindex="-1"]:focus { outline: none; }
[tabindex="-1"]:focus-visible { outline: 3px solid var(--sd-focus); }
section + section { margin-top: calc(var(--sd-gap) * 2); }
.head { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; margin-bottom: 4px; }
.intro { color: var(--sd-muted); margin-bottom: var(--sd-gap); }
.status { margin: 0 0 var(--sd-gap); padding: 10px 14px; border-radius: var(--sd-radius); background: var(--sd-success-bg); color: var(--sd-success-fg); }
.status:empty { display: none; }
.alert { margin: 0 0 var(--sd-gap); padding: 10px 14px; border-radius: var(--sd-radius); background: var(--sd-warning-bg); color: var(--sd-warning-fg); border: 1px solid var(--sd-warning-border); display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; }
.alert:empty { display: none; }
ul.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 12px; }
.card { background: var(--sd-bg); border: 1px solid var(--sd-border); border-radius: var(--sd-radius); padding: var(--sd-gap); display: grid; grid-template-columns: 44px 1fr; gap: 4px 14px; }
.card.current { border-color: var(--sd-accent); box-shadow: inset 0 0 0 1px var(--sd-accent); }
.card.flagged { border-color: var(--sd-warning-border); }
.icon { grid-row: span 2; width: 44px; height: 44px; border-radius: 10px; background: var(--sd-surface); display: grid; place-items: center; color: var(--sd-fg); }
.title { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: center; }
.subtitle { color: var(--sd-muted); font-size: 0.925rem; }
.badge { display: inline-flex; align-items: center; gap: 4px; font-size: 0.8rem; font-weight: 600; padding: 2px 10px; border-radius: 999px; background: var(--sd-success-bg); color: var(--sd-success-fg); white-space: nowrap; }
.badge svg { width: 14px; height: 14px; }
.body { grid-column: 1 / -1; display: grid; gap: 12px; margin-top: 8px; }
dl { margin: 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(132px, 1fr)); gap: 10px 16px; }
dl div { min-width: 0; }
dt { color: var(--sd-muted); font-size: 0.8rem; }
dd { margin: 0; overflow-wrap: anywhere; }
.flag { margin-inline-end: 6px; }
.risk { border: 1px solid var(--sd-warning-border); background: var(--sd-warning-bg); color: var(--sd-warning-fg); border-radius: calc(var(--sd-radius) - 4px); padding: 10px 12px; }
.risk h4 { margin: 0 0 4px; font-size: 0.925rem; display: flex; gap: 6px; align-items: center; }
.risk h4 svg { width: 18px; height: 18px; flex: none; }
.risk ul { margin: 0 0 6px; padding-inline-start: 20px; }
.review { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin-top: 8px; }
.review p { font-weight: 600; }
.review .note { font-weight: 400; flex-basis: 100%; }
.locked { margin-bottom: var(--sd-gap); }
.note { color: var(--sd-muted); font-size: 0.9rem; }
.only { margin-top: 12px; }
.history-heading { margin-bottom: 12px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; justify-content: flex-end; }
button { font: inherit; font-size: 0.925rem; cursor: pointer; border-radius: 8px; padding: 7px 14px; min-height: 40px; border: 1px solid var(--sd-border); background: var(--sd-bg); color: var(--sd-fg); }
button:hover { background: var(--sd-surface); }
button[disabled] { cursor: progress; opacity: 0.7; }
button.danger { border-color: var(--sd-danger); color: var(--sd-danger); }
button.danger-solid { border-color: var(--sd-danger); background: var(--sd-danger); color: var(--sd-danger-fg); }
button.danger-solid:hover { filter: brightness(0.95); }
button.primary { border-color: var(--sd-accent); background: var(--sd-accent); color: var(--sd-accent-fg); }
button.link { border: none; background: none; color: var(--sd-accent); padding: 4px 0; min-height: 0; text-decoration: underline; }
.rename { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.rename label { display: grid; gap: 4px; font-size: 0.85rem; color: var(--sd-muted); flex: 1 1 180px; }
.rename input { font: inherit; color: var(--sd-fg); background: var(--sd-bg); border: 1px solid var(--sd-border); border-radius: 8px; padding: 8px 10px; min-height: 40px; }
.empty { color: var(--sd-muted); padding: var(--sd-gap); border: 1px dashed var(--sd-border); border-radius: var(--sd-radius); }
table { width: 100%; border-collapse: collapse; font-size: 0.925rem; }
caption { text-align: start; }
th, td { text-align: start; padding: 10px 12px; border-bottom: 1px solid var(--sd-border); vertical-align: top; }
th { color: var(--sd-muted); font-weight: 600; font-size: 0.8rem; }
td .sub { color: var(--sd-muted); font-size: 0.85rem; }
.more { margin-top: 12px; }
dialog { border: 1px solid var(--sd-border); border-radius: var(--sd-radius); padding: calc(var(--sd-gap) * 1.25); max-width: min(440px, calc(100vw - 32px)); background: var(--sd-bg); color: var(--sd-fg); }
dialog::backdrop { background: rgb(0 0 0 / 0.45); }
dialog p { margin: 8px 0 var(--sd-gap); }
dialog .actions { justify-content: flex-end; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@container (min-width: 760px) {
  dl { grid-template-columns: minmax(110px, 0.9fr) minmax(190px, 1.7fr) repeat(3, minmax(110px, 1fr)); }
}
@container (max-width: 520px) {
  .card { grid-template-columns: 40px 1fr; padding: 14px; }
  .icon { width: 40px; height: 40px; }
  dl { grid-template-columns: 1fr 1fr; }
  .actions { justify-content: stretch; }
  .actions button { flex: 1 1 auto; }
  .head button { width: 100%; }
  thead { display: none; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border: 1px solid var(--sd-border); border-radius: var(--sd-radius); padding: 6px 0; margin-bottom: 10px; }
  td { border: none; padding: 4px 14px; display: grid; grid-template-columns: 40% 1fr; gap: 8px; }
  td::before { content: attr(data-label); color: var(--sd-muted); font-size: 0.8rem; }
}
`;
