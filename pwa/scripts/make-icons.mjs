// Draws the app icons from one geometry into pwa/public: `node scripts/make-icons.mjs`.
// PNGs are rasterised here with signed distance fields so no image tooling is needed.
import fs from 'node:fs';
import zlib from 'node:zlib';

const out = new URL('../public/', import.meta.url);
const BRAND = [0x0f, 0x6e, 0x63];
const SPARK = [0xf5, 0xc4, 0x51];
const WHITE = [0xff, 0xff, 0xff];

// A trigger (round) running through two steps (square) to an end, kept inside the maskable safe zone.
const nodes = [
  { x: 0.3, y: 0.33, r: 0.085, box: false, color: SPARK },
  { x: 0.69, y: 0.33, r: 0.08, box: true, color: WHITE },
  { x: 0.69, y: 0.67, r: 0.08, box: true, color: WHITE },
  { x: 0.3, y: 0.67, r: 0.085, box: false, color: WHITE },
];
const links = nodes.slice(1).map((n, i) => [nodes[i], n]);
const BOX_CORNER = 0.028;
const STROKE = 0.05;
const CORNER = 0.22;

const hex = (c) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

function svg({ maskable }) {
  const s = 512;
  const u = (v) => Math.round(v * s * 100) / 100;
  const bg = maskable
    ? `<rect width="${s}" height="${s}" fill="${hex(BRAND)}"/>`
    : `<rect width="${s}" height="${s}" rx="${u(CORNER)}" fill="${hex(BRAND)}"/>`;
  const lines = links
    .map(([a, b]) => `<line x1="${u(a.x)}" y1="${u(a.y)}" x2="${u(b.x)}" y2="${u(b.y)}"/>`)
    .join('');
  const circles = nodes
    .map((n) =>
      n.box
        ? `<rect x="${u(n.x - n.r)}" y="${u(n.y - n.r)}" width="${u(2 * n.r)}" height="${u(2 * n.r)}" ` +
          `rx="${u(BOX_CORNER)}" fill="${hex(n.color)}"/>`
        : `<circle cx="${u(n.x)}" cy="${u(n.y)}" r="${u(n.r)}" fill="${hex(n.color)}"/>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${s} ${s}">${bg}` +
    `<g stroke="#fff" stroke-width="${u(STROKE)}" stroke-linecap="round">${lines}</g>${circles}</svg>\n`
  );
}

function nodeDist(px, py, n, corner = BOX_CORNER) {
  if (!n.box) return Math.hypot(px - n.x, py - n.y) - n.r;
  const qx = Math.abs(px - n.x) - n.r + corner;
  const qy = Math.abs(py - n.y) - n.r + corner;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - corner;
}
function segmentDist(px, py, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const t = Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - a.x - t * dx, py - a.y - t * dy) - STROKE / 2;
}
const roundRectDist = (px, py, radius) => nodeDist(px, py, { x: 0.5, y: 0.5, r: 0.5, box: true }, radius);

function rasterise(size, { maskable }) {
  const rgba = Buffer.alloc(size * size * 4);
  const cover = (d) => Math.max(0, Math.min(1, 0.5 - d * size));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / size;
      const py = (y + 0.5) / size;
      let a = maskable ? 1 : cover(roundRectDist(px, py, CORNER));
      let rgb = BRAND.slice();
      const paint = (color, alpha) => {
        rgb = rgb.map((c, i) => c * (1 - alpha) + color[i] * alpha);
        a = alpha + a * (1 - alpha);
      };
      for (const [p, q] of links) paint(WHITE, cover(segmentDist(px, py, p, q)));
      for (const n of nodes) paint(n.color, cover(nodeDist(px, py, n)));
      const i = (y * size + x) * 4;
      rgba[i] = Math.round(rgb[0]);
      rgba[i + 1] = Math.round(rgb[1]);
      rgba[i + 2] = Math.round(rgb[2]);
      rgba[i + 3] = Math.round(a * 255);
    }
  }
  return png(size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const files = {
  'icon.svg': svg({ maskable: false }),
  'icon-192.png': rasterise(192, { maskable: false }),
  'icon-512.png': rasterise(512, { maskable: false }),
  'icon-maskable-512.png': rasterise(512, { maskable: true }),
  // iOS draws its own rounded corners and ignores transparency, so the touch icon is full-bleed.
  'apple-touch-icon.png': rasterise(180, { maskable: true }),
};
for (const [name, data] of Object.entries(files)) fs.writeFileSync(new URL(name, out), data);
console.log(`wrote ${Object.keys(files).join(', ')}`);
