/**
 * What a file is, decided from its first bytes (magic numbers), never from what the client says.
 * Anything active a browser would render (HTML, SVG, XML) is recognised as such, so that the
 * allowed-types list can refuse it and the download never serves it inline.
 */
export interface Sniffed {
  contentType: string;
  /** Pixel dimensions of a raster image, read from its header; null otherwise. */
  width: number | null;
  height: number | null;
}

/** How many leading bytes sniffing reads: a JPEG's frame header can follow long EXIF blocks. */
export const SNIFF_BYTES = 64 * 1024;

/** Raster types a browser may show inline: no scripts, no external references. */
export const INLINE_SAFE_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
]);

const starts = (bytes: Uint8Array, signature: readonly number[], at = 0) =>
  signature.every((byte, index) => bytes[at + index] === byte);
const ascii = (bytes: Uint8Array, text: string, at = 0) =>
  starts(
    bytes,
    [...text].map((char) => char.charCodeAt(0)),
    at,
  );

export function sniffContentType(bytes: Uint8Array): Sniffed {
  const image = sniffImage(bytes);
  if (image) return image;
  const plain = (contentType: string): Sniffed => ({ contentType, width: null, height: null });
  if (ascii(bytes, "%PDF-")) return plain("application/pdf");
  if (starts(bytes, [0x50, 0x4b, 0x03, 0x04]) || starts(bytes, [0x50, 0x4b, 0x05, 0x06]))
    return plain("application/zip");
  if (starts(bytes, [0x1f, 0x8b])) return plain("application/gzip");
  const text = decodeText(bytes);
  if (text === undefined) return plain("application/octet-stream");
  const head = text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .slice(0, 1024)
    .toLowerCase();
  if (/^<svg[\s>]/.test(head) || (head.startsWith("<?xml") && head.includes("<svg")))
    return plain("image/svg+xml");
  if (head.startsWith("<?xml")) return plain("application/xml");
  // The WHATWG sniffing table's HTML openers, and any script or frame tag anywhere near the top.
  if (
    /^<(!doctype html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p|!--)[\s>/]/.test(
      head,
    ) ||
    /<(script|iframe|object|embed)[\s>/]/.test(head)
  )
    return plain("text/html");
  return plain("text/plain");
}

function sniffImage(bytes: Uint8Array): Sniffed | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) &&
    ascii(bytes, "IHDR", 12) &&
    bytes.length >= 24
  )
    return { contentType: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
  if ((ascii(bytes, "GIF87a") || ascii(bytes, "GIF89a")) && bytes.length >= 10)
    return { contentType: "image/gif", width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (ascii(bytes, "RIFF") && ascii(bytes, "WEBP", 8))
    return { contentType: "image/webp", ...webpSize(bytes, view) };
  if (starts(bytes, [0xff, 0xd8, 0xff])) return { contentType: "image/jpeg", ...jpegSize(bytes, view) };
  return undefined;
}

type Size = { width: number | null; height: number | null };
const UNKNOWN: Size = { width: null, height: null };

function webpSize(bytes: Uint8Array, view: DataView): Size {
  if (bytes.length < 30) return UNKNOWN;
  if (ascii(bytes, "VP8 ", 12))
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  if (ascii(bytes, "VP8L", 12)) {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (ascii(bytes, "VP8X", 12)) {
    const width = 1 + ((bytes[24] ?? 0) | ((bytes[25] ?? 0) << 8) | ((bytes[26] ?? 0) << 16));
    const height = 1 + ((bytes[27] ?? 0) | ((bytes[28] ?? 0) << 8) | ((bytes[29] ?? 0) << 16));
    return { width, height };
  }
  return UNKNOWN;
}

/** Walks the JPEG segments to the first start-of-frame marker (SOF0..SOF15 but DHT, JPG, DAC). */
function jpegSize(bytes: Uint8Array, view: DataView): Size {
  let offset = 2;
  while (offset + 9 <= bytes.length) {
    if (bytes[offset] !== 0xff) return UNKNOWN;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    if (marker === 0xd9 || marker === 0xda) return UNKNOWN;
    offset += 2 + view.getUint16(offset + 2);
  }
  return UNKNOWN;
}

/** The bytes as text when they look like text: valid UTF-8 (a cut last character allowed), no NUL. */
function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  // A multi-byte character cut at the sniffing boundary is not a sign of binary data.
  for (let trim = 0; trim < 4 && trim <= bytes.length; trim++) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, bytes.length - trim));
    } catch {
      if (bytes.length < SNIFF_BYTES) return undefined;
    }
  }
  return undefined;
}
