/**
 * A minimal baseline JPEG encoder for the demo photo: every 8×8 block is encoded as its average
 * colour (DC coefficient only), which keeps the encoder to Huffman-coding DC differences while the
 * file stays a real, decodable JFIF that `image-size` and any viewer read. Made in code so no
 * binary is committed. Not for real photographs — a mosaic is all it can draw.
 */

/** Standard DC table (ITU T.81, Annex K.3): code lengths 1–16 and the categories 0–11. */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** AC table with the one symbol a DC-only block needs: end of block, code `0`. */
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALUES = [0x00];

/** Canonical Huffman codes from a (bits, values) table. */
function huffmanCodes(bits: readonly number[], values: readonly number[]): Map<number, { code: number; length: number }> {
  const codes = new Map<number, { code: number; length: number }>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]!; i++) codes.set(values[k++]!, { code: code++, length });
    code <<= 1;
  }
  return codes;
}

const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const EOB = huffmanCodes(AC_BITS, AC_VALUES).get(0x00)!;

class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.acc = 0;
    this.count = 0;
  }

  /** Pad the last byte with 1-bits, as T.81 asks. */
  finish(): Buffer {
    while (this.count !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }
}

function segment(marker: number, body: readonly number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/** Encode width × height pixels (`pixel(x, y)` → [r, g, b]), sampled once per 8×8 block at its centre. */
export function encodeMosaicJpeg(width: number, height: number, pixel: (x: number, y: number) => readonly [number, number, number]): Buffer {
  const out = new BitWriter();
  const predictors = [0, 0, 0];
  const encodeDc = (component: number, value: number) => {
    const dc = Math.max(-1024, Math.min(1016, Math.round(value)));
    const diff = dc - predictors[component]!;
    predictors[component] = dc;
    const magnitude = Math.abs(diff);
    const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
    const { code, length } = DC_CODES.get(category)!;
    out.write(code, length);
    // Negative differences are written as their ones' complement in `category` bits.
    if (category > 0) out.write(diff < 0 ? diff - 1 + (1 << category) : diff, category);
    out.write(EOB.code, EOB.length);
  };
  for (let by = 0; by < Math.ceil(height / 8); by++) {
    for (let bx = 0; bx < Math.ceil(width / 8); bx++) {
      const [r, g, b] = pixel(Math.min(width - 1, bx * 8 + 4), Math.min(height - 1, by * 8 + 4));
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      const cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
      const cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
      // A flat block's DC coefficient is 8 × its level-shifted value (quantisation step 1).
      encodeDc(0, 8 * (y - 128));
      encodeDc(1, 8 * (cb - 128));
      encodeDc(2, 8 * (cr - 128));
    }
  }
  const scan = out.finish();
  const jfif = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const quant = segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]);
  const frame = segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
  const tables = segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]);
  const scanHeader = segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);
  return Buffer.concat([Buffer.from([0xff, 0xd8, ...jfif, ...quant, ...frame, ...tables, ...scanHeader]), scan, Buffer.from([0xff, 0xd9])]);
}
