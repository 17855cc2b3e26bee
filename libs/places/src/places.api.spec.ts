import { PlacesApi, stateOfZip } from './places.api.js';

const places = new PlacesApi();

describe('PlacesApi.locate (offline reverse geocoding)', () => {
  it('puts Lincoln Park, Chicago in Cook County, IL, ZIP 60614', () => {
    expect(places.locate({ lat: 41.9214, lng: -87.6513 })).toEqual({
      country: 'US',
      state: 'IL',
      county: 'Cook',
      countyFips: '17031',
      zip: '60614',
      zipSource: 'derived',
      zipMismatch: false,
    });
  });

  it('puts Washington Dulles airport in Loudoun County, VA, under a 201xx ZIP', () => {
    const place = places.locate({ lat: 38.9531, lng: -77.4565 });
    expect(place).toMatchObject({ country: 'US', state: 'VA', countyFips: '51107' });
    expect(place.zip).toMatch(/^201\d\d$/);
  });

  it.each([
    ['the middle of the Atlantic', 35, -40],
    ['Toronto, Canada', 43.6532, -79.3832],
    ['Windsor, Canada, across the river from Detroit', 42.3149, -83.0364],
    ['Tijuana, Mexico', 32.5149, -117.0382],
    ['the North Pole', 90, 0],
    ['the antimeridian', 0, 180],
  ])('answers no US place for %s', (_where, lat, lng) => {
    expect(places.locate({ lat, lng })).toEqual({
      country: null,
      state: null,
      county: null,
      countyFips: null,
      zip: null,
      zipSource: null,
      zipMismatch: false,
    });
  });

  it("keeps the app's ZIP when it agrees with the coordinates' state", () => {
    expect(places.locate({ lat: 41.9214, lng: -87.6513 }, '60601')).toMatchObject({
      state: 'IL',
      zip: '60601',
      zipSource: 'app',
      zipMismatch: false,
    });
  });

  it('keeps but flags an app ZIP of another state than the coordinates', () => {
    expect(places.locate({ lat: 41.9214, lng: -87.6513 }, '10001')).toMatchObject({
      state: 'IL',
      zip: '10001',
      zipSource: 'app',
      zipMismatch: true,
    });
  });

  it('flags a US ZIP sent from outside the US', () => {
    expect(places.locate({ lat: 43.6532, lng: -79.3832 }, '10001')).toMatchObject({
      country: null,
      zip: '10001',
      zipMismatch: true,
    });
  });

  it('finds places in Alaska, Hawaii and Puerto Rico', () => {
    expect(places.locate({ lat: 61.2181, lng: -149.9003 }).state).toBe('AK');
    expect(places.locate({ lat: 21.3069, lng: -157.8583 }).state).toBe('HI');
    expect(places.locate({ lat: 18.4655, lng: -66.1057 }).state).toBe('PR');
  });
});

describe('stateOfZip (the maintained zip-state table)', () => {
  it('maps ZIPs to their USPS state, including the ranges a prefix list got wrong', () => {
    expect(['10001', '90210', '60601', '02108', '99501'].map(stateOfZip)).toEqual([
      'NY',
      'CA',
      'IL',
      'MA',
      'AK',
    ]);
    // 201xx is northern Virginia, 340xx the armed forces (Americas), 733xx Austin's IRS ZIPs, 969xx Guam.
    expect(['20166', '34001', '73301', '96910'].map(stateOfZip)).toEqual(['VA', 'AA', 'TX', 'GU']);
  });

  it('refuses what is not a 5-digit ZIP', () => {
    expect([stateOfZip('1234'), stateOfZip('abcde'), stateOfZip(null), stateOfZip(undefined)]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});
