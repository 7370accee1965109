/// The one stylesheet of the pages, a template for the accent colour: calm, readable on a phone,
/// no framework, and focus always visible for people who use the keyboard.
enum PageStylesheet {
    static let template = """
        {{% CONTENT_TYPE: TEXT}}
        :root { --accent: {{accent}}; --text: #1d1f24; --muted: #5b6170; --line: #d9dce3; --page: #f5f6f8; --error: #b3261e; --ok: #1e6b3a; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; background: var(--page); color: var(--text); font: 16px/1.5 -apple-system, "Segoe UI", system-ui, Helvetica, Arial, sans-serif; }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .top { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; justify-content: space-between; padding: 12px 20px; background: #fff; border-bottom: 1px solid var(--line); }
        .brand { display: inline-flex; gap: 8px; align-items: center; font-weight: 600; font-size: 18px; color: var(--text); text-decoration: none; }
        nav { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; }
        main { max-width: 560px; margin: 0 auto; padding: 24px 16px 48px; }
        h1 { font-size: 26px; margin: 8px 0 20px; }
        h2 { font-size: 19px; margin: 0 0 12px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px; margin: 0 0 16px; }
        .field { margin: 0 0 16px; }
        label { display: block; font-weight: 600; margin: 0 0 4px; }
        input[type=text], input[type=email], input[type=password] { width: 100%; padding: 10px 12px; font: inherit; color: inherit; border: 1px solid #8a90a0; border-radius: 6px; background: #fff; }
        .invalid input { border-color: var(--error); }
        .hint { margin: 4px 0 0; color: var(--muted); font-size: 14px; }
        .field-error { margin: 4px 0 0; color: var(--error); font-size: 14px; font-weight: 600; }
        button { font: inherit; padding: 10px 16px; border-radius: 6px; border: 1px solid #8a90a0; background: #fff; color: var(--text); cursor: pointer; }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
        button.destructive { background: #fff; border-color: var(--error); color: var(--error); font-weight: 600; }
        button.link { border: 0; padding: 0; background: none; color: var(--accent); text-decoration: underline; }
        .providers { display: grid; gap: 8px; }
        a.button { display: block; text-align: center; padding: 10px 16px; border-radius: 6px; border: 1px solid #8a90a0; color: var(--text); text-decoration: none; font-weight: 600; }
        form.inline { display: inline; margin: 0; }
        .notice, .alert { border-radius: 8px; padding: 12px 14px; margin: 0 0 16px; }
        .notice { background: #e8f3ec; color: var(--ok); border: 1px solid #b7dcc4; }
        .alert { background: #fbeceb; color: var(--error); border: 1px solid #efc2bf; }
        .aside { color: var(--muted); }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 12px; }
        .facts dt { color: var(--muted); }
        .facts dd { margin: 0; overflow-wrap: anywhere; }
        .badge { display: inline-block; font-size: 13px; padding: 1px 8px; border-radius: 999px; background: #eef0f4; color: var(--muted); }
        .badge.ok { background: #e8f3ec; color: var(--ok); }
        .devices { list-style: none; padding: 0; margin: 0 0 16px; }
        .device.current { border-color: var(--accent); }
        .device-name { font-weight: 600; margin: 0 0 8px; }
        .danger { border-color: #efc2bf; }
        @media (max-width: 480px) { main { padding: 16px 12px 32px; } .card { padding: 16px; } .facts { grid-template-columns: 1fr; } .facts dd { margin-bottom: 6px; } }
        """
}
