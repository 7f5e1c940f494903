/// The stylesheet embedded in `index.html`: a single readable column (max 960 px), system fonts,
/// code with line numbers, and error cells marked in red.
enum ReportStyle {
  static let css = """
    :root { --fg: #1d1d1f; --muted: #6e6e73; --border: #e3e3e6; --code-bg: #f7f7f9;
      --accent: #2f6fde; --error: #b3261e; --error-bg: #fdeceb; --ok: #2e7d32; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #ffffff; color: var(--fg);
      font: 15px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
    main { max-width: 960px; margin: 0 auto; padding: 28px 20px 72px; }
    a { color: var(--accent); }
    header.run { border-bottom: 1px solid var(--border); padding-bottom: 12px; margin-bottom: 20px; }
    header.run h1 { font-size: 24px; margin: 0 0 8px; }
    dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0;
      font-size: 13px; }
    dl.meta dt { color: var(--muted); }
    dl.meta dd { margin: 0; overflow-wrap: anywhere; }
    code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
      monospace; font-size: 13px; }
    .overridden { color: var(--accent); font-weight: 600; }
    .banner { border: 1px solid var(--error); background: var(--error-bg); color: var(--error);
      border-radius: 6px; padding: 8px 12px; margin: 12px 0; }
    section.metrics h2 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); }
    .metric { display: inline-flex; flex-direction: column; border: 1px solid var(--border);
      border-radius: 6px; padding: 6px 14px; margin: 4px 8px 4px 0; min-width: 120px; }
    .metric .name { font-size: 12px; color: var(--muted); }
    .metric .value { font-size: 20px; font-variant-numeric: tabular-nums; }
    .cell { margin: 18px 0; }
    .cell.markdown { padding: 0 2px; }
    .cell.code { border: 1px solid var(--border); border-radius: 8px; overflow: hidden; }
    .cell.code.error { border-color: var(--error); }
    .cell.code.skipped { opacity: 0.55; }
    .cell-head { display: flex; gap: 10px; align-items: baseline; padding: 5px 12px;
      background: #fafafb; border-bottom: 1px solid var(--border); font-size: 12px;
      color: var(--muted); }
    .cell-head .count { font-family: ui-monospace, Menlo, Consolas, monospace; }
    .cell-head .title { color: var(--fg); font-weight: 600; font-size: 13px; }
    .cell-head .lines { margin-left: auto; }
    .badge { border-radius: 10px; padding: 0 8px; font-size: 11px; border: 1px solid currentColor; }
    .badge.error { color: var(--error); }
    .badge.skipped { color: var(--muted); }
    .badge.parameters { color: var(--accent); }
    pre.source { margin: 0; padding: 8px 0; background: var(--code-bg); overflow-x: auto;
      line-height: 1.5; }
    pre.source .line { display: block; padding-right: 12px; white-space: pre; }
    pre.source .ln { display: inline-block; width: 3.6em; padding-right: 1.2em; text-align: right;
      color: #a1a1a6; user-select: none; }
    .outputs { padding: 10px 14px; border-top: 1px solid var(--border); }
    .outputs:empty { display: none; }
    .outputs > * + * { margin-top: 10px; }
    pre.stream, pre.result { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
    pre.result { color: #3a3a3c; }
    figure.image { margin: 0; }
    figure.image img { max-width: 100%; height: auto; image-rendering: pixelated;
      border: 1px solid var(--border); }
    figure figcaption { font-size: 12px; color: var(--muted); }
    .plot svg { max-width: 100%; height: auto; }
    .table-wrap { overflow-x: auto; }
    table.pgs-table { border-collapse: collapse; font-size: 13px; }
    table.pgs-table th, table.pgs-table td { padding: 4px 12px; border-bottom: 1px solid var(--border);
      text-align: left; }
    table.pgs-table th { border-bottom: 2px solid #c7c7cc; }
    table.pgs-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
    table.pgs-table caption { text-align: left; font-size: 12px; color: var(--muted); padding: 2px 0 4px; }
    .error-box { background: var(--error-bg); color: var(--error); border-radius: 6px;
      padding: 8px 12px; }
    .error-box .error-title { font-weight: 600; }
    .error-box pre { margin: 6px 0 0; white-space: pre-wrap; color: #5f1a14; }
    footer { margin-top: 40px; font-size: 12px; color: var(--muted); }
    """
}
