import { describe, expect, it } from "vitest";
import { contentDisposition, dispositionOf } from "../../src/features/attachments/disposition.ts";
import { sniffContentType } from "../../src/features/attachments/sniff.ts";
import { pngBytes, text } from "../support/factories/attachments.ts";

/** A baseline JPEG: SOI, an APP0 segment, then a SOF0 frame header with the size. */
function jpeg(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...new Array(14).fill(0)];
  const sof0 = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof0, ...new Array(20).fill(0)]);
}

function webpLossless(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(40);
  bytes.set(text("RIFF"), 0);
  bytes.set(text("WEBPVP8L"), 8);
  bytes[20] = 0x2f;
  new DataView(bytes.buffer).setUint32(21, (width - 1) | ((height - 1) << 14), true);
  return bytes;
}

describe("sniffing a file's type from its first bytes", () => {
  it.each([
    ["a PNG, with its IHDR size", pngBytes(640, 480), { contentType: "image/png", width: 640, height: 480 }],
    ["a JPEG, with its frame size", jpeg(1024, 768), { contentType: "image/jpeg", width: 1024, height: 768 }],
    ["a lossless WebP", webpLossless(300, 200), { contentType: "image/webp", width: 300, height: 200 }],
    ["a PDF", text("%PDF-1.7\n..."), { contentType: "application/pdf", width: null }],
    ["a zip", new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2]), { contentType: "application/zip" }],
    ["a log file", text("2026-12-05 ERROR the printer caught fire\n"), { contentType: "text/plain" }],
    ["binary junk", new Uint8Array([0, 1, 2, 0xff, 0xfe, 0]), { contentType: "application/octet-stream" }],
  ])("recognises %s", (_name, bytes, expected) => {
    expect(sniffContentType(bytes)).toMatchObject(expected);
  });

  it.each([
    ["a doctype", "<!DOCTYPE html><p>hi"],
    ["a bare script", "  <script>alert(1)</script>"],
    ["an iframe after some text", "hello\n<iframe src=//evil>"],
    ["upper case and a BOM", "\uFEFF<HTML><BODY>"],
  ])("names HTML as text/html: %s", (_name, content) => {
    expect(sniffContentType(text(content)).contentType).toBe("text/html");
  });

  it("names SVG as image/svg+xml, with or without an XML declaration", () => {
    expect(sniffContentType(text('<svg xmlns="http://www.w3.org/2000/svg">')).contentType).toBe(
      "image/svg+xml",
    );
    expect(sniffContentType(text('<?xml version="1.0"?>\n<svg onload="x()">')).contentType).toBe(
      "image/svg+xml",
    );
  });
});

describe("download dispositions", () => {
  it("are inline only for safe raster images", () => {
    expect(["image/png", "image/jpeg", "image/gif", "image/webp"].map(dispositionOf)).toEqual([
      "inline",
      "inline",
      "inline",
      "inline",
    ]);
    for (const active of ["text/html", "image/svg+xml", "application/xml", "application/pdf", "text/plain"])
      expect(dispositionOf(active)).toBe("attachment");
  });

  it("carry an ASCII fallback and the exact name in RFC 8187 encoding", () => {
    expect(contentDisposition("attachment", "résumé (final)*.pdf")).toBe(
      `attachment; filename="r_sum_ (final)*.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%28final%29%2A.pdf`,
    );
    expect(contentDisposition("attachment", 'a"b\\c;d.txt')).toBe(
      `attachment; filename="a_b_c;d.txt"; filename*=UTF-8''a%22b%5Cc%3Bd.txt`,
    );
  });
});
