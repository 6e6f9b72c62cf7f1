/**
 * Writes the PWA icons (client/public/icons/icon-{192,512}.png): a shopping bag on the brand colour.
 * A dependency-free rasteriser — run once after changing the design:
 * `node client/tools/make-icons.ts`.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BRAND = [0x1f, 0x4e, 0x5f] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Coverage of the bag at (x, y) in unit coordinates, 0 or 1. Full-bleed so "maskable" works. */
function isBag(x: number, y: number): boolean {
  const inBody = x >= 0.3 && x <= 0.7 && y >= 0.4 && y <= 0.74;
  const dx = x - 0.5;
  const dy = y - 0.4;
  const r = Math.hypot(dx, dy);
  const inHandle = dy <= 0 && r >= 0.09 && r <= 0.125;
  return inBody || inHandle;
}

function png(size: number): Buffer {
  const samples = 4; // 4×4 supersampling for smooth edges
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py += 1) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0, then RGB
    for (let px = 0; px < size; px += 1) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy += 1) {
        for (let sx = 0; sx < samples; sx += 1) {
          if (isBag((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits += 1;
        }
      }
      const a = hits / (samples * samples);
      for (let c = 0; c < 3; c += 1) row[1 + px * 3 + c] = Math.round(BRAND[c]! * (1 - a) + WHITE[c]! * a);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

for (const size of [192, 512]) {
  writeFileSync(new URL(`../public/icons/icon-${size}.png`, import.meta.url), png(size));
}
