import { PolygonIndex } from './polygon-index.js';

const square = (x0: number, y0: number, x1: number, y1: number) =>
  Float64Array.from([x0, y0, x1, y0, x1, y1, x0, y1]);

describe('PolygonIndex', () => {
  const index = new PolygonIndex();
  // Area 0: a 2° square with a 1° hole; area 1 fills the hole; area 2 is an island of area 0's neighbour.
  index.add({ area: 0, rings: [square(0, 0, 2, 2), square(0.5, 0.5, 1.5, 1.5)] });
  index.add({ area: 1, rings: [square(0.5, 0.5, 1.5, 1.5)] });
  index.add({ area: 2, rings: [square(-3, -3, -2.5, -2.5)] });

  it('finds the polygon around a point, across grid cells', () => {
    expect(index.areaAt(0.2, 0.2)).toBe(0);
    expect(index.areaAt(1.9, 1.9)).toBe(0);
  });

  it('treats a hole as outside its polygon (and inside the one filling it)', () => {
    expect(index.areaAt(1, 1)).toBe(1);
  });

  it('answers -1 outside every polygon', () => {
    expect(index.areaAt(5, 5)).toBe(-1);
    expect(index.areaAt(-2.7, -2)).toBe(-1);
    expect(index.areaAt(-2.7, -2.7)).toBe(2);
  });
});
