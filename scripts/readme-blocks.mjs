// Fenced code blocks of a Markdown file, for check-readmes.mjs and readme-setup.mjs. A block may be marked by
// an HTML comment on the line before it (blank lines between are allowed):
//   <!-- readme-test: skip REASON -->   not run (the reason is printed)
//   <!-- readme-test: setup -->         README.md's set-up commands, which .ci/run runs on a fresh clone
//   <!-- readme-test: browser -->       a js block run in headless Chromium

export const LANGS = {
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  mjs: 'js',
  javascript: 'js',
  json: 'json',
};

/** Fenced blocks with their language, first line number and the marker comment right above them. */
export function parseBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+)\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    const start = i;
    const body = [];
    for (i++; i < lines.length && !lines[i].trim().startsWith(fence); i++) body.push(lines[i]);
    let j = start - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const marker = /<!--\s*readme-test:\s*(\w+)\s*(.*?)\s*-->/.exec(lines[j] ?? '');
    blocks.push({
      line: start + 1,
      lang: open[3].toLowerCase(),
      kind: LANGS[open[3].toLowerCase()] ?? null,
      code: body.join('\n'),
      marker: marker ? { what: marker[1], reason: marker[2] } : null,
    });
  }
  return blocks;
}
