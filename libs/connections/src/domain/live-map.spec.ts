import { citizenCellOf, citizenCells, geohashBounds, overlaps, parseBBox, US_BBOX } from './live-map.js';

const one = (p: { lat: number; lng: number }) => ({ ...citizenCellOf(p), count: 1 });
import { PartitionGrid } from './partition.js';

describe('live map', () => {
  it('parses west,south,east,north and refuses boxes it cannot answer', () => {
    expect(parseBBox('-77.2,38.8,-76.9,39.0')).toEqual({ west: -77.2, south: 38.8, east: -76.9, north: 39 });
    expect(parseBBox(' -77.2, 38.8 ,-76.9,39')).toEqual({ west: -77.2, south: 38.8, east: -76.9, north: 39 });
    for (const bad of [
      '',
      '1,2,3',
      '1,2,3,4,5',
      'a,b,c,d',
      '-77,39,-78,40',
      '-77,40,-76,39',
      '-181,0,0,1',
      '0,-91,1,0',
      '0,0,1,91',
      '1e2,0,2e2,1',
      'NaN,0,1,1',
    ]) {
      expect({ bad, box: parseBBox(bad) }).toEqual({ bad, box: null });
    }
  });

  it('decodes a partition name to the cell PartitionGrid puts a position in', () => {
    const grid = new PartitionGrid(4);
    for (const p of [
      { lat: 38.9072, lng: -77.0369 },
      { lat: 21.3, lng: -157.85 },
      { lat: -33.9, lng: 151.2 },
    ]) {
      const b = geohashBounds(grid.cellOf(p))!;
      expect(p.lng).toBeGreaterThanOrEqual(b.west);
      expect(p.lng).toBeLessThan(b.east);
      expect(p.lat).toBeGreaterThanOrEqual(b.south);
      expect(p.lat).toBeLessThan(b.north);
      expect(b.east - b.west).toBeCloseTo(grid.lngStep, 10);
      expect(b.north - b.south).toBeCloseTo(grid.latStep, 10);
    }
    expect(geohashBounds('')).toBeNull();
    expect(geohashBounds('dq!a')).toBeNull();
    expect(overlaps(geohashBounds(grid.cellOf({ lat: 61.2, lng: -149.9 }))!, US_BBOX)).toBe(true);
    expect(overlaps(geohashBounds(grid.cellOf({ lat: 48.85, lng: 2.35 }))!, US_BBOX)).toBe(false);
  });

  it('counts citizens per 0.1° cell at the cell centre, busiest cells first', () => {
    const { cells, truncated } = citizenCells(
      [
        { lat: 38.9072, lng: -77.0369 },
        { lat: 38.95, lng: -77.01 },
        { lat: 38.81, lng: -77.05 },
      ].map(one),
    );
    expect(truncated).toBe(false);
    expect(cells).toEqual([
      { lat: 38.95, lng: -77.05, count: 2 },
      { lat: 38.85, lng: -77.05, count: 1 },
    ]);
  });

  it('adds up the counts of a cell that straddles two partitions', () => {
    expect(
      citizenCells([
        { x: -771, y: 389, count: 2 },
        { x: -771, y: 389, count: 3 },
        { x: -770, y: 389, count: 1 },
      ]).cells,
    ).toEqual([
      { lat: 38.95, lng: -77.05, count: 5 },
      { lat: 38.95, lng: -76.95, count: 1 },
    ]);
  });

  it('keeps the busiest cells and says so when there are more than the cap', () => {
    const positions = [0, 0, 1, 2, 3].map((i) => ({ lat: 40.05 + i * 0.1, lng: -100.05 }));
    const { cells, truncated } = citizenCells(positions.map(one), 2);
    expect(truncated).toBe(true);
    expect(cells).toHaveLength(2);
    expect(cells[0]).toEqual({ lat: 40.05, lng: -100.05, count: 2 });
  });
});
