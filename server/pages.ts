const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A small self-contained page for failures a customer can see (a sign-in that could not complete). */
export function errorPage(title: string, message: string, action: { href: string; label: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#1c1c1c}
a.button{display:inline-block;background:#1c1c1c;color:#fff;padding:.6rem 1.2rem;border-radius:.4rem;text-decoration:none}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>
<p><a class="button" href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a> <a href="/">Home</a></p>
</body></html>`;
}
