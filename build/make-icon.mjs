// Generates assets/icons/icon.png (512×512) and icon.svg: a butterfly of two rotated
// square blocks on a dark tile, after BOFT's block-diagonal butterfly factors. Deterministic.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'assets', 'icons');
const S = 512;
const bg = [24, 32, 56];
const wing = [[255, 153, 51], [84, 196, 255]];

/** Inside a square of half-size h centred at (cx, cy), rotated by a (radians)? */
function inRotatedSquare(x, y, cx, cy, h, a) {
  const dx = x - cx;
  const dy = y - cy;
  const u = dx * Math.cos(a) + dy * Math.sin(a);
  const v = -dx * Math.sin(a) + dy * Math.cos(a);
  return Math.abs(u) <= h && Math.abs(v) <= h;
}

function inRoundedTile(x, y) {
  const r = 96;
  const cx = Math.min(Math.max(x, r), S - 1 - r);
  const cy = Math.min(Math.max(y, r), S - 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

const png = new PNG({ width: S, height: S });
for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const i = (y * S + x) * 4;
    let c = null;
    if (inRoundedTile(x, y)) {
      c = bg;
      if (inRotatedSquare(x, y, 190, 256, 92, Math.PI / 4)) c = wing[0];
      if (inRotatedSquare(x, y, 322, 256, 92, Math.PI / 4)) c = c === wing[0] ? [255, 255, 255] : wing[1];
    }
    png.data[i] = c ? c[0] : 0;
    png.data[i + 1] = c ? c[1] : 0;
    png.data[i + 2] = c ? c[2] : 0;
    png.data[i + 3] = c ? 255 : 0;
  }
}
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'icon.png'), PNG.sync.write(png));
const sq = (cx, fill) => `<rect x="${cx - 92}" y="164" width="184" height="184" fill="${fill}" transform="rotate(45 ${cx} 256)"/>`;
writeFileSync(
  join(dir, 'icon.svg'),
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="96" fill="rgb(${bg})"/>` +
    `${sq(190, 'rgb(255,153,51)')}${sq(322, 'rgb(84,196,255)')}</svg>\n`,
);
process.stdout.write(`wrote ${dir}/icon.png and icon.svg\n`);
