// Fetch one file over HTTPS into a temporary file, with a size limit and its SHA-256. Plain HTTP is
// refused except to a loopback address (a local mirror, the tests).
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export class DownloadError extends Error {}

export interface Downloaded { path: string; bytes: number; sha256: string; url: string }

function loopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Why `url` may not be fetched (not http(s), or plain http to another machine), or null. */
export function refusedUrl(url: URL): string | null {
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && loopback(url.hostname)) return null;
  if (url.protocol === 'http:') return `plain HTTP to ${url.hostname} refused: use https:// (HTTP is allowed to 127.0.0.1 and localhost only)`;
  return `${url.protocol} URLs are not supported (https:// or a local file)`;
}

export async function download(urlText: string, maxBytes: number, timeoutMs = 120_000): Promise<Downloaded> {
  let url: URL;
  try { url = new URL(urlText); } catch { throw new DownloadError(`not a URL: ${urlText}`); }
  const why = refusedUrl(url);
  if (why) throw new DownloadError(why);
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DownloadError(`cannot fetch ${url.href}: ${cause?.code ?? cause?.message ?? (e as Error).message} (offline? download the file elsewhere and pass it with --from FILE)`);
  }
  // a redirect may not leave TLS
  const final = new URL(res.url || url.href);
  const finalWhy = refusedUrl(final);
  if (finalWhy) { await res.body?.cancel(); throw new DownloadError(`redirected to ${final.href}: ${finalWhy}`); }
  if (!res.ok || !res.body) { await res.body?.cancel(); throw new DownloadError(`${url.href}: HTTP ${res.status} ${res.statusText}`); }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) { await res.body.cancel(); throw new DownloadError(`${url.href}: ${declared} bytes, over the ${maxBytes}-byte limit`); }
  const path = join(mkdtempSync(join(tmpdir(), 'th-download-')), 'package');
  const out = createWriteStream(path, { mode: 0o600 });
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new DownloadError(`${url.href}: more than ${maxBytes} bytes, over the limit; not kept`);
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (e) {
    out.destroy();
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(`${url.href}: download failed after ${bytes} bytes: ${(e as Error).message}`);
  }
  out.end();
  await once(out, 'close');
  return { path, bytes, sha256: hash.digest('hex'), url: final.href };
}
