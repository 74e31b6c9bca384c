/**
 * Renders Solon's tray icons and app icon into build/ as PNGs — no native dependencies, no
 * ImageMagick: shapes are signed distance functions, sampled per pixel with one pixel of
 * anti-aliasing, written as RGBA PNG with node:zlib. Output is deterministic, so the PNGs are
 * committed and `--check` tells whether they are stale.
 *
 *   npx tsx scripts/render-icons.ts           write build/icons/*.png, build/icon.png, preview
 *   npx tsx scripts/render-icons.ts --check   exit 1 if a committed PNG differs from a render
 *
 * Each tray state is told apart by shape, not only by colour (colour-blind users, and macOS
 * template images, which are black + alpha): ok is a plain envelope; working adds "…";
 * degraded a reconnect arrow; attention "!"; paused "❚❚"; offline dims the envelope and strikes
 * it through. Drawing happens on a 16 × 16 grid, scaled to each size.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { trayIconFile, trayIconStates, type TrayIconState } from '../src/main/tray-model.js';

// ---------------------------------------------------------------------------------------------
// Shapes: a signed distance in units (negative inside). Union = min, subtraction = max(a, -b):
// not exact distances near the seams, but exact enough for a one-pixel anti-aliased edge.

type Sdf = (x: number, y: number) => number;

const circle =
  (cx: number, cy: number, r: number): Sdf =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;

const ring = (cx: number, cy: number, r: number, width: number): Sdf => {
  const c = circle(cx, cy, r);
  return (x, y) => Math.abs(c(x, y)) - width / 2;
};

/** Rounded rectangle, filled. */
const box =
  (x0: number, y0: number, x1: number, y1: number, radius = 0): Sdf =>
  (x, y) => {
    const hx = (x1 - x0) / 2 - radius;
    const hy = (y1 - y0) / 2 - radius;
    const dx = Math.abs(x - (x0 + x1) / 2) - hx;
    const dy = Math.abs(y - (y0 + y1) / 2) - hy;
    return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0) - radius;
  };

/** Rounded rectangle outline, centred on the rectangle's edge. */
const frame = (
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  radius: number,
  width: number,
): Sdf => {
  const b = box(x0, y0, x1, y1, radius);
  return (x, y) => Math.abs(b(x, y)) - width / 2;
};

/** A line with round ends. */
const line =
  (x0: number, y0: number, x1: number, y1: number, width: number): Sdf =>
  (x, y) => {
    const px = x - x0;
    const py = y - y0;
    const dx = x1 - x0;
    const dy = y1 - y0;
    const h = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
    return Math.hypot(px - dx * h, py - dy * h) - width / 2;
  };

/** A filled polygon (any simple polygon; points in order). */
const polygon =
  (...pts: [number, number][]): Sdf =>
  (x, y) => {
    let d = Infinity;
    let inside = false;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i]!;
      const [xj, yj] = pts[j]!;
      d = Math.min(d, line(xi, yi, xj, yj, 0)(x, y));
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside ? -d : d;
  };

const union =
  (...shapes: Sdf[]): Sdf =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));

const subtract =
  (shape: Sdf, ...cut: Sdf[]): Sdf =>
  (x, y) =>
    Math.max(shape(x, y), ...cut.map((c) => -c(x, y)));

/** Uniform scale about the origin, then move: draws a 32-unit glyph at another size. */
const place =
  (shape: Sdf, scale: number, tx: number, ty: number): Sdf =>
  (x, y) =>
    shape((x - tx) / scale, (y - ty) / scale) * scale;

// ---------------------------------------------------------------------------------------------
// The glyphs (the icon sources).
//
// Drawn on a 16 × 16 grid — the smallest size shipped — with every straight edge on a whole
// grid line, so the 16 px icons are crisp (and the 32 and 64 px ones, being exact multiples).
// One-pixel lines are centred on half coordinates for the same reason.

/** The envelope every state starts from: a 1 px outline with the flap. */
const stroke = 1;
const envelope = union(
  frame(1.5, 3.5, 14.5, 12.5, 1.5, stroke),
  line(2.5, 4.5, 8, 8.4, stroke),
  line(8, 8.4, 13.5, 4.5, stroke),
);

/**
 * The badge: a disc bottom right whose centre is a pixel centre, so 1 px symbols cut out of it
 * sit exactly on pixels. The envelope is cut back around it so the two never touch.
 */
const badge = { x: 11.5, y: 11.5, r: 4 };
const envelopeWithBadge = subtract(envelope, circle(badge.x, badge.y, badge.r + 1));
const disc = circle(badge.x, badge.y, badge.r);
/** One-pixel squares (slightly rounded, which only shows at the larger sizes). */
const dot = (x: number, y: number): Sdf => box(x, y, x + 1, y + 1, 0.3);

/** Reconnect arrow: three quarters of a ring, open at the top right, and an arrowhead there. */
const reconnect = union(
  subtract(
    ring(badge.x, badge.y, 3, 1.1),
    polygon([badge.x, badge.y], [badge.x + 6, badge.y - 6], [badge.x + 6, badge.y]),
  ),
  polygon(
    [badge.x - 0.4, badge.y - 5.1],
    [badge.x + 2.5, badge.y - 3],
    [badge.x - 0.4, badge.y - 0.9],
  ),
);

const slash = { from: [2.5, 1.5] as const, to: [13.5, 14.5] as const };

type Paint = 'glyph' | 'accent' | 'muted';
interface Layer {
  shape: Sdf;
  paint: Paint;
  opacity?: number;
}

const trayGlyphs: Record<TrayIconState, Layer[]> = {
  ok: [{ shape: envelope, paint: 'glyph' }],
  working: [
    { shape: envelopeWithBadge, paint: 'glyph' },
    { shape: subtract(disc, dot(9, 11), dot(11, 11), dot(13, 11)), paint: 'accent' },
  ],
  degraded: [
    { shape: envelopeWithBadge, paint: 'glyph' },
    { shape: reconnect, paint: 'accent' },
  ],
  attention: [
    { shape: envelopeWithBadge, paint: 'glyph' },
    { shape: subtract(disc, box(11, 8.6, 12, 12, 0.3), dot(11, 13)), paint: 'accent' },
  ],
  offline: [
    {
      shape: subtract(envelope, line(...slash.from, ...slash.to, stroke + 1.5)),
      paint: 'glyph',
      opacity: 0.5,
    },
    { shape: line(...slash.from, ...slash.to, stroke), paint: 'glyph' },
  ],
  paused: [
    { shape: envelopeWithBadge, paint: 'glyph', opacity: 0.7 },
    {
      shape: subtract(disc, box(10, 9, 11, 14, 0.3), box(12, 9, 13, 14, 0.3)),
      paint: 'muted',
    },
  ],
};

type Rgb = readonly [number, number, number];
const hex = (h: string): Rgb => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
];

/** Colours per panel. Accents are darker on light panels and lighter on dark ones, for contrast. */
const palettes = {
  dark: {
    glyph: hex('#f2f2f2'),
    muted: hex('#b8b8b8'),
    accent: {
      ok: hex('#f2f2f2'),
      working: hex('#5aa9ff'),
      degraded: hex('#ffb224'),
      attention: hex('#ff5c5c'),
      offline: hex('#f2f2f2'),
      paused: hex('#b8b8b8'),
    },
  },
  light: {
    glyph: hex('#1e1e1e'),
    muted: hex('#5c5c5c'),
    accent: {
      ok: hex('#1e1e1e'),
      working: hex('#0a64d8'),
      degraded: hex('#b86e00'),
      attention: hex('#d92d20'),
      offline: hex('#1e1e1e'),
      paused: hex('#5c5c5c'),
    },
  },
} as const;
type Panel = keyof typeof palettes | 'template';

function colour(panel: Panel, paint: Paint, state: TrayIconState): Rgb {
  // macOS uses only the alpha of a template image and tints it to match the menu bar.
  if (panel === 'template') return [0, 0, 0];
  const p = palettes[panel];
  return paint === 'accent' ? p.accent[state] : p[paint];
}

// ---------------------------------------------------------------------------------------------
// Raster: straight-alpha RGBA, layers composited with "over".

class Raster {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 4);
  }

  /** Fill `shape` (in units; `unit` pixels each) with `rgb` at `opacity`, anti-aliased. */
  draw(shape: Sdf, unit: number, rgb: (x: number, y: number) => Rgb, opacity = 1): void {
    for (let py = 0; py < this.height; py++) {
      for (let px = 0; px < this.width; px++) {
        // Pixel centre, in units; distance back in pixels: coverage of a one-pixel ramp.
        const d = shape((px + 0.5) / unit, (py + 0.5) / unit) * unit;
        const a = Math.max(0, Math.min(1, 0.5 - d)) * opacity;
        if (a > 0) this.over(px, py, rgb(px, py), a);
      }
    }
  }

  private over(px: number, py: number, [r, g, b]: Rgb, a: number): void {
    const i = (py * this.width + px) * 4;
    const d = this.data;
    const da = d[i + 3]! / 255;
    const oa = a + da * (1 - a);
    const mix = (s: number, t: number): number => (s * a + t * da * (1 - a)) / oa;
    d[i] = Math.round(mix(r, d[i]!));
    d[i + 1] = Math.round(mix(g, d[i + 1]!));
    d[i + 2] = Math.round(mix(b, d[i + 2]!));
    d[i + 3] = Math.round(oa * 255);
  }

  /** Copy another raster in at (x, y) — for the preview sheet. */
  blit(src: Raster, x: number, y: number): void {
    for (let sy = 0; sy < src.height; sy++) {
      for (let sx = 0; sx < src.width; sx++) {
        const s = (sy * src.width + sx) * 4;
        const a = src.data[s + 3]! / 255;
        if (a > 0) this.over(x + sx, y + sy, [src.data[s]!, src.data[s + 1]!, src.data[s + 2]!], a);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PNG: signature, IHDR (8-bit RGBA), one IDAT (filter 0 per row, zlib level 9), IEND.

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, tail]);
}

export function encodePng(r: Raster): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(r.width, 0);
  ihdr.writeUInt32BE(r.height, 4);
  ihdr[8] = 8; // bits per channel
  ihdr[9] = 6; // colour type: RGBA
  const stride = r.width * 4;
  const raw = Buffer.alloc((stride + 1) * r.height);
  for (let y = 0; y < r.height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(r.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------
// What gets rendered.

function renderTray(state: TrayIconState, panel: Panel, px: number): Raster {
  const r = new Raster(px, px);
  for (const layer of trayGlyphs[state]) {
    const c = colour(panel, layer.paint, state);
    r.draw(layer.shape, px / 16, () => c, layer.opacity);
  }
  return r;
}

/** The app icon: the envelope in white on a blue tile (the tile leaves the usual margin). */
function renderAppIcon(px: number): Raster {
  const r = new Raster(px, px);
  const top = hex('#3b8cff');
  const bottom = hex('#1f57d6');
  const gradient = (_x: number, y: number): Rgb => {
    const t = y / (px - 1);
    return [0, 1, 2].map((i) => Math.round(top[i]! + (bottom[i]! - top[i]!) * t)) as unknown as Rgb;
  };
  r.draw(box(0.9, 0.9, 15.1, 15.1, 3.3), px / 16, gradient);
  // A soft shadow under the envelope, then the envelope itself at 60 % of the tile.
  const glyph = place(envelope, 0.62, 3.05, 3.3);
  r.draw(place(envelope, 0.62, 3.05, 3.6), px / 16, () => hex('#10306e'), 0.25);
  r.draw(glyph, px / 16, () => hex('#ffffff'));
  return r;
}

/** Nearest-neighbour enlargement: every pixel becomes a k × k block. */
function magnify(src: Raster, k: number): Raster {
  const out = new Raster(src.width * k, src.height * k);
  for (let y = 0; y < out.height; y++)
    for (let x = 0; x < out.width; x++) {
      const s = (Math.floor(y / k) * src.width + Math.floor(x / k)) * 4;
      out.data.set(src.data.subarray(s, s + 4), (y * out.width + x) * 4);
    }
  return out;
}

interface Output {
  file: string;
  png: Buffer;
}

function renderAll(root: string): { outputs: Output[]; preview: Raster } {
  const iconsDir = join(root, 'build', 'icons');
  const outputs: Output[] = [];
  const add = (file: string, r: Raster): void => {
    outputs.push({ file, png: encodePng(r) });
  };
  const withSize = (file: string, suffix: string): string =>
    file.replace(/\.png$/, `${suffix}.png`);

  for (const state of trayIconStates) {
    // Windows (16 px) and Linux (32 px), each with an @2x for high-DPI screens.
    for (const panel of ['light', 'dark'] as const) {
      const win = trayIconFile(state, 'win32', panel === 'dark');
      const linux = trayIconFile(state, 'linux', panel === 'dark');
      add(join(iconsDir, win), renderTray(state, panel, 16));
      add(join(iconsDir, withSize(win, '@2x')), renderTray(state, panel, 32));
      add(join(iconsDir, linux), renderTray(state, panel, 32));
      add(join(iconsDir, withSize(linux, '@2x')), renderTray(state, panel, 64));
    }
    // macOS template images: 16 pt, and 32 px for Retina.
    const mac = trayIconFile(state, 'darwin', false);
    add(join(iconsDir, mac), renderTray(state, 'template', 16));
    add(join(iconsDir, withSize(mac, '@2x')), renderTray(state, 'template', 32));
  }
  add(join(root, 'build', 'icon.png'), renderAppIcon(512));

  // A contact sheet for review: rows = light panel, dark panel, template on a light menu bar;
  // columns = states; each icon at 64 px, its 16 px render magnified 3× (to judge the pixels),
  // and at 16 px actual size. Not shipped (electron-builder copies only build/icons/*.png).
  const cellW = 144;
  const cellH = 80;
  const preview = new Raster(cellW * trayIconStates.length, cellH * 3);
  const backgrounds: [Panel, Rgb][] = [
    ['light', hex('#eeeeee')],
    ['dark', hex('#262626')],
    ['template', hex('#d8d8d8')],
  ];
  backgrounds.forEach(([panel, bg], row) => {
    preview.draw(box(0, row * cellH, preview.width, (row + 1) * cellH), 1, () => bg);
    trayIconStates.forEach((state, col) => {
      const x = col * cellW;
      const y = row * cellH;
      preview.blit(renderTray(state, panel, 64), x + 4, y + 8);
      preview.blit(magnify(renderTray(state, panel, 16), 3), x + 72, y + 16);
      preview.blit(renderTray(state, panel, 16), x + 124, y + 32);
    });
  });
  add(join(iconsDir, 'preview', 'contact-sheet.png'), preview);
  return { outputs, preview };
}

async function main(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const check = process.argv.includes('--check');
  const { outputs } = renderAll(root);
  const stale: string[] = [];
  for (const { file, png } of outputs) {
    if (check) {
      const committed = await readFile(file).catch(() => undefined);
      if (!committed?.equals(png)) stale.push(relative(root, file));
      continue;
    }
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, png);
  }
  if (check && stale.length > 0) {
    console.error(`stale icons (run: npx tsx scripts/render-icons.ts):\n  ${stale.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`${check ? 'checked' : 'wrote'} ${outputs.length} images`);
  }
}

await main();
