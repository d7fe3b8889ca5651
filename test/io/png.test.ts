import { inflateSync } from 'node:zlib';
import { expect } from 'chai';
import { renderSlice } from '../../lib/io/overlay.js';
import { encodePng } from '../../lib/io/png.js';

describe('io/png and io/overlay', () => {
  it('encodes a PNG whose header and pixels decode back', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const png = encodePng(rgb, 2, 2);
    expect(Array.from(png.subarray(0, 8))).to.deep.equal([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dv = new DataView(png.buffer, png.byteOffset);
    expect(String.fromCharCode(...png.subarray(12, 16))).to.equal('IHDR');
    expect([dv.getUint32(16), dv.getUint32(20)]).to.deep.equal([2, 2]);
    const idatLen = dv.getUint32(33);
    expect(String.fromCharCode(...png.subarray(37, 41))).to.equal('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    // Each row: filter byte 0 then 2 RGB pixels.
    expect(Array.from(raw)).to.deep.equal([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 10, 20, 30]);
    // CRC of IHDR over type + data (zlib's crc32 is the same polynomial).
    expect(dv.getUint32(29)).to.equal(crc(png.subarray(12, 29)));
  });

  it('renders an axial slice in a CT window, radiological left-right, labels tinted', () => {
    // [D, H, W] = [1, 2, 3]; HU values at the window edges and middle.
    const image = [-160, 40, 240, -1000, 1000, 40];
    const labels = [0, 0, 0, 0, 0, 1];
    const r = renderSlice({ image, shape: [1, 2, 3], spacingMm: [1, 1, 1], labels, axis: 'axial', index: 0 });
    expect([r.width, r.height]).to.deep.equal([3, 2]);
    const px = (x: number, y: number) => Array.from(r.rgb.subarray((y * 3 + x) * 3, (y * 3 + x) * 3 + 3));
    // Top row is the most anterior (h = 1) and the image left is patient right (w = 2).
    expect(px(0, 0)).to.deep.equal([
      Math.round(0.55 * 128 + 0.45 * 230),
      Math.round(0.55 * 128 + 0.45 * 40),
      Math.round(0.55 * 128 + 0.45 * 40),
    ]);
    expect(px(1, 0)).to.deep.equal([255, 255, 255]);
    expect(px(2, 0)).to.deep.equal([0, 0, 0]);
    expect(px(0, 1)).to.deep.equal([255, 255, 255]);
    expect(px(2, 1)).to.deep.equal([0, 0, 0]);
  });
});

function crc(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
