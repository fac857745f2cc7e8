// Windows paths as they appear in agents.config and manifests, compared the way Windows does
// (case-insensitive, either slash), without touching the local file system.

/** Lower case, backslashes, no surrounding quotes or spaces, no doubled separators (a UNC prefix kept). */
export function normPath(p: string): string {
  let s = p.trim().replace(/^"(.*)"$/, '$1').replace(/\//g, '\\').toLowerCase();
  const unc = s.startsWith('\\\\');
  s = s.replace(/\\{2,}/g, '\\');
  return unc ? '\\' + s : s;
}

export function baseName(p: string): string {
  const s = p.replace(/\//g, '\\');
  return s.slice(s.lastIndexOf('\\') + 1);
}

export function isUnc(p: string): boolean {
  return /^\s*["]?(\\\\|\/\/)/.test(p);
}

/** Not anchored at a drive (C:\) or a UNC share. */
export function isRelative(p: string): boolean {
  return !/^\s*"?[a-z]:[\\/]/i.test(p) && !isUnc(p);
}

/** True when `p` is `dir` or inside it. */
export function isUnder(p: string, dir: string): boolean {
  const a = normPath(p), d = normPath(dir).replace(/\\$/, '');
  return a === d || a.startsWith(d + '\\');
}

/** The path without its drive colon, as mirrored in a collection (`dlls/C/Program Files/...`). */
export function mirrorSuffix(p: string): string {
  return normPath(p).replace(/^([a-z]):\\/, '$1\\');
}

/** Folders where no product installs a transport agent, but an intruder easily writes. */
const WRITABLE = [
  /^[a-z]:\\users\\/, /\\appdata\\/, /\\temp\\/, /\\tmp\\/, /^[a-z]:\\programdata\\/, /^[a-z]:\\perflogs\\/,
  /^[a-z]:\\windows\\temp\\/, /^[a-z]:\\windows\\tasks\\/, /^[a-z]:\\windows\\system32\\/, /^[a-z]:\\windows\\syswow64\\/,
  /^[a-z]:\\windows\\serviceprofiles\\/, /^[a-z]:\\\$recycle\.bin\\/, /\\public\\/, /\\downloads\\/, /\\desktop\\/,
  /^[a-z]:\\inetpub\\/, /\\frontend\\httpproxy\\/, /\\clientaccess\\owa\\/,
];

/** Why the path is a place intruders use, or null. */
export function writableLocation(p: string): string | null {
  const n = normPath(p);
  for (const re of WRITABLE) if (re.test(n)) return `${p} is in a temporary, user, web or system folder`;
  return null;
}
