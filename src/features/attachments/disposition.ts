import { INLINE_SAFE_TYPES } from "./sniff.ts";

/** `inline` only for the safe raster list; everything else (HTML, SVG, PDF, text) is downloaded. */
export function dispositionOf(contentType: string): "inline" | "attachment" {
  return INLINE_SAFE_TYPES.has(contentType) ? "inline" : "attachment";
}

/**
 * A Content-Disposition header per RFC 6266: an ASCII `filename` fallback (quotes, backslashes,
 * controls and non-ASCII replaced) and the exact name as `filename*` in RFC 8187 UTF-8 encoding.
 */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

function encodeRfc8187(value: string): string {
  // attr-char is ALPHA / DIGIT / "!#$&+-.^_`|~"; encodeURIComponent leaves a few more unescaped.
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
