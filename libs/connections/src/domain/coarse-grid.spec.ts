import fc from 'fast-check';
import { CoarseGrid } from './coarse-grid.js';
import { distanceM } from './geo.js';

describe('CoarseGrid', () => {
  const grid = new CoarseGrid(100, 25);
  const nyc = { lat: 40.7128, lng: -74.006 };

  it('shows every position of a cell as the same centre (small moves change nothing)', () => {
    const c = grid.centreOf(nyc);
    for (const [dn, de] of [
      [3, 0],
      [0, 3],
      [-3, -3],
      [2, -2],
    ] as const) {
      const moved = { lat: nyc.lat + dn / 111_000, lng: nyc.lng + de / 84_000 };
      if (grid.centreOf(moved).lat === c.lat && grid.centreOf(moved).lng === c.lng) continue;
      // A move of 3 m may cross an edge; then it lands in a neighbouring cell, never elsewhere.
      expect(distanceM(grid.centreOf(moved), c)).toBeLessThan(150);
    }
    expect(grid.centreOf(grid.centreOf(nyc))).toEqual(c);
  });

  it('keeps cells about 100 m across at every latitude, and the centre within the cell', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: -179.99, max: 179.99, noNaN: true }),
        (lat, lng) => {
          const c = grid.centreOf({ lat, lng });
          // Half the diagonal of a 100 m square is 71 m; allow the rounding of whole columns per row.
          expect(distanceM({ lat, lng }, c)).toBeLessThanOrEqual(80);
          expect(grid.centreOf(c)).toEqual(c);
        },
      ),
    );
  });

  it('keeps the previous cell while a fix jitters just across its edge (hysteresis)', () => {
    const c = grid.centreOf(nyc);
    const northEdge = c.lat + grid.latStep / 2;
    const justAcross = { lat: northEdge + 10 / 111_000, lng: c.lng };
    expect(grid.centreOf(justAcross)).not.toEqual(c);
    expect(grid.coarsen(justAcross, c)).toEqual(c);
    const farAcross = { lat: northEdge + 40 / 111_000, lng: c.lng };
    expect(grid.coarsen(farAcross, c)).toEqual(grid.centreOf(farAcross));
    expect(grid.coarsen(justAcross, null)).toEqual(grid.centreOf(justAcross));
  });

  it('has whole columns that meet at the antimeridian and one cell at the poles', () => {
    expect(grid.centreOf({ lat: 10, lng: 180 }).lng).toBeLessThan(180);
    expect(grid.centreOf({ lat: 10, lng: -180 }).lng).toBeGreaterThan(-180);
    expect(() => grid.centreOf({ lat: 90, lng: 0 })).not.toThrow();
    expect(Number.isFinite(grid.centreOf({ lat: -90, lng: 12 }).lng)).toBe(true);
  });
});
