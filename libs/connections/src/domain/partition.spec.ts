import fc from 'fast-check';
import { distanceM } from './geo.js';
import { MAX_CELLS, PartitionGrid } from './partition.js';

describe('PartitionGrid', () => {
  const grid = new PartitionGrid(4);

  it('encodes positions as standard geohash cells', () => {
    // Reference values from the geohash algorithm (e.g. San Francisco 9q8y, NYC dr5r).
    expect(grid.cellOf({ lat: 37.7749, lng: -122.4194 })).toBe('9q8y');
    expect(grid.cellOf({ lat: 40.7128, lng: -74.006 })).toBe('dr5r');
    expect(new PartitionGrid(5).cellOf({ lat: 57.64911, lng: 10.40744 })).toBe('u4pru');
  });

  it('covers only the own cell for a small circle in the middle of a cell', () => {
    const cell = grid.cellOf({ lat: 37.7749, lng: -122.4194 });
    // Centre of that cell.
    const latC = Math.floor((37.7749 + 90) / grid.latStep) * grid.latStep - 90 + grid.latStep / 2;
    const lngC = Math.floor((-122.4194 + 180) / grid.lngStep) * grid.lngStep - 180 + grid.lngStep / 2;
    expect(grid.cellsCovering({ lat: latC, lng: lngC }, 2000)).toEqual([cell]);
  });

  it('adds the neighbouring partition for a circle crossing a cell edge', () => {
    const edgeLat = Math.ceil((40.7128 + 90) / grid.latStep) * grid.latStep - 90;
    const south = { lat: edgeLat - 0.001, lng: -74.006 };
    const north = { lat: edgeLat + 0.001, lng: -74.006 };
    expect(distanceM(south, north)).toBeLessThan(300);
    expect(grid.cellOf(south)).not.toBe(grid.cellOf(north));
    const cells = grid.cellsCovering(south, 1000);
    expect(cells[0]).toBe(grid.cellOf(south));
    expect(cells).toContain(grid.cellOf(north));
  });

  it('covers four cells near a corner and wraps across the antimeridian', () => {
    const cornerLat = Math.round(40 / grid.latStep) * grid.latStep;
    const cornerLng = -180 + Math.round((-74 + 180) / grid.lngStep) * grid.lngStep;
    expect(grid.cellsCovering({ lat: cornerLat + 0.0001, lng: cornerLng + 0.0001 }, 500)).toHaveLength(4);
    const cells = grid.cellsCovering({ lat: 0.05, lng: 179.999 }, 1000);
    expect(cells).toContain(grid.cellOf({ lat: 0.05, lng: -179.999 }));
  });

  it('never returns more than the 2 × 2 cells a 5 km box can touch at US latitudes', () => {
    for (let lat = 25; lat < 49; lat += 0.37) {
      for (let lng = -124; lng < -67; lng += 0.53) {
        expect(grid.cellsCovering({ lat, lng }, 5000).length).toBeLessThanOrEqual(4);
      }
    }
  });

  it('covers the partition of every point of the search circle (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 24, max: 49, noNaN: true }),
        fc.double({ min: -125, max: -66, noNaN: true }),
        fc.integer({ min: 50, max: 5000 }),
        (lat, lng, r) => {
          const cells = new Set(grid.cellsCovering({ lat, lng }, r));
          for (let k = 0; k < 16; k++) {
            const a = (k * Math.PI) / 8;
            // Slightly inside the circle: the covering is computed from the bounding box.
            const dN = Math.sin(a) * r * 0.999;
            const dE = Math.cos(a) * r * 0.999;
            const q = {
              lat: lat + dN / 111_195,
              lng: lng + dE / (111_195 * Math.cos((lat * Math.PI) / 180)),
            };
            expect(cells.has(grid.cellOf(q))).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('bounds the partitions read near a pole (no fan-out to every longitude)', () => {
    for (const lat of [89.999, -89.999, 90, -90, 89.5]) {
      const cells = grid.cellsCovering({ lat, lng: 12.3 }, 5000);
      expect(cells.length).toBeLessThanOrEqual(MAX_CELLS);
      expect(cells[0]).toBe(grid.cellOf({ lat, lng: 12.3 }));
    }
  });
});
