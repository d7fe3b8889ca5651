// The header fuzz corpus (test/fixtures/header-fuzz, made once by make.py with nibabel 5.0): small
// NIfTI files, each with one header field corrupted. kitseg must refuse a file with a typed
// one-line error naming it, or read exactly what nibabel reads; nothing in between.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { DataError } from '../../lib/core/errors.js';
import { readNifti } from '../../lib/io/nifti.js';
import { ROOT } from '../helpers/cli.js';

interface Expected {
  readonly field: string;
  readonly valueText: string;
  readonly kind: string;
  readonly error?: string;
  readonly affine?: (number | null)[][];
  readonly affineFinite?: boolean;
  readonly data?: (number | null)[];
}

const DIR = join(ROOT, 'test/fixtures/header-fuzz');
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;

type Outcome = 'typed error' | 'equal to nibabel' | 'accepted with nonsense';

/** Reads `file` with kitseg and classes the outcome against nibabel's reading. */
function outcome(file: string): { kind: Outcome; detail: string } {
  const path = join(DIR, file);
  const e = EXPECTED[file]!;
  let v: ReturnType<typeof readNifti>;
  try {
    v = readNifti(path);
  } catch (err) {
    const ok =
      err instanceof DataError && (err as Error).message.split('\n').length === 1 && err.path === path;
    return ok
      ? { kind: 'typed error', detail: (err as Error).message }
      : { kind: 'accepted with nonsense', detail: String(err) };
  }
  if (e.error !== undefined || e.affineFinite !== true)
    return { kind: 'accepted with nonsense', detail: `nibabel: ${e.error ?? 'non-finite affine'}` };
  const affineOk = v.affine.every((r, i) =>
    r.every((x, j) => Math.abs(x - e.affine![i]![j]!) <= 1e-6 * Math.max(1, Math.abs(x))),
  );
  const data = Array.from(v.data as ArrayLike<number>);
  // Scaled voxels are float32 in kitseg (float64 in nibabel): equal to float32 rounding.
  const dataOk =
    data.length === e.data!.length &&
    data.every((x, i) => Math.abs(x - e.data![i]!) <= 1e-6 * Math.abs(e.data![i]!));
  return affineOk && dataOk
    ? { kind: 'equal to nibabel', detail: '' }
    : {
        kind: 'accepted with nonsense',
        detail: `affine ${JSON.stringify(v.affine)} vs ${JSON.stringify(e.affine)}; data ${dataOk}`,
      };
}

describe('io/nifti: header fuzz corpus against nibabel', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.nii'))
    .sort();

  it('holds the corpus make.py wrote', () =>
    expect(files).to.have.length(Object.keys(EXPECTED).length).and.to.have.length.greaterThan(200));

  it('every file ends in a typed error naming it or in nibabel’s reading', () => {
    const counts: Record<Outcome, number> = {
      'typed error': 0,
      'equal to nibabel': 0,
      'accepted with nonsense': 0,
    };
    const bad: string[] = [];
    for (const f of files) {
      const o = outcome(f);
      counts[o.kind]++;
      if (o.kind === 'accepted with nonsense') bad.push(`${f}: ${o.detail}`);
    }
    expect(bad, bad.join('\n')).to.deep.equal([]);
    // Printed for the README's counts.
    console.log(`      header fuzz: ${JSON.stringify(counts)}`);
  });

  const MUST_REFUSE: [pattern: RegExp, message: RegExp][] = [
    [
      /-vox_offset-(0|100|348|351|m1|nan|minf|inf|352p5)\.nii$/,
      /vox_offset is .*: expected a whole number of bytes ≥ 352/,
    ],
    [/^qform-quatern_[bcd]-(nan|inf)\.nii$/, /quatern_b\/c\/d .* are not finite/],
    [/^qform-qoffset_[xz]-(nan|inf)\.nii$/, /qoffset .* are not finite/],
    [/^(sform|both)-srow_.*-(nan|inf)\.nii$/, /the sform \(srow_x\/y\/z\) has non-finite entries/],
    [/^(sform|both)-srows_(zero|rank2)\.nii$/, /the sform \(srow_x\/y\/z\) is singular/],
    [
      /^(qform|noform)-pixdim[13]-(0|nan|inf|minf)\.nii$/,
      /pixdim\[[13]\] is .*: the .* needs a finite, nonzero voxel size/,
    ],
    [/^qform-sizeof_hdr-(0|540|1000|347)\.nii$/, /sizeof_hdr is -?\d+: expected 348 for a NIfTI-1 header/],
    [/-scl_slope-m?1e38\.nii$/, /beyond the float32 range/],
  ];
  for (const [pattern, message] of MUST_REFUSE)
    it(`refuses ${pattern.source} naming the field`, () => {
      const hit = files.filter((f) => pattern.test(f));
      expect(hit.length).to.be.greaterThan(0);
      for (const f of hit) {
        const o = outcome(f);
        expect(o.kind, f).to.equal('typed error');
        expect(o.detail, f).to.match(message);
      }
    });

  it('reads negative pixdim as |pixdim|, with or without a qform, as nibabel does', () => {
    const hit = files.filter((f) => /^(qform|noform)-pixdim[13]-m(0p75|3p0)\.nii$/.test(f));
    expect(hit).to.have.length(8);
    for (const f of hit) expect(outcome(f).kind, f).to.equal('equal to nibabel');
  });

  it('places a file with neither sform nor qform where nibabel does (x flipped, centred)', () => {
    const v = readNifti(join(DIR, 'noform-vox_offset-352.nii'));
    // 4 × 3 × 2 voxels of 0.75 × 0.75 × 3 mm: origin −((n − 1) / 2)·zoom, x zoom negated.
    expect(v.affine).to.deep.equal([
      [-0.75, 0, 0, 1.125],
      [0, 0.75, 0, -0.75],
      [0, 0, 3, -1.5],
      [0, 0, 0, 1],
    ]);
  });
});
