import { geoAlbersUsa, geoMercator, geoPath, type GeoProjection } from 'd3-geo';
import { useEffect, useMemo, useState } from 'react';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import statesTopo from 'us-atlas/states-10m.json';
import { Empty, ErrorBox, fmtTime, useApi, usePolling } from '../ui';

interface LiveMapData {
  at: string;
  officers: Array<{ accountId: string; lat: number; lng: number; updatedAt: string }>;
  citizens: Array<{ lat: number; lng: number; count: number }>;
  truncated: boolean;
}

/** west, south, east, north */
type Bbox = [number, number, number, number];

const CITIES: Array<{ id: string; name: string; bbox: Bbox }> = [
  { id: 'nyc', name: 'New York, NY', bbox: [-74.26, 40.49, -73.7, 40.92] },
  { id: 'chi', name: 'Chicago, IL', bbox: [-87.94, 41.64, -87.52, 42.03] },
  { id: 'la', name: 'Los Angeles, CA', bbox: [-118.67, 33.7, -118.15, 34.34] },
  { id: 'hou', name: 'Houston, TX', bbox: [-95.79, 29.52, -95.01, 30.11] },
  { id: 'phx', name: 'Phoenix, AZ', bbox: [-112.32, 33.29, -111.92, 33.75] },
  { id: 'phl', name: 'Philadelphia, PA', bbox: [-75.28, 39.87, -74.96, 40.14] },
  { id: 'sf', name: 'San Francisco, CA', bbox: [-122.52, 37.7, -122.35, 37.83] },
  { id: 'dc', name: 'Washington, DC', bbox: [-77.12, 38.79, -76.91, 39.0] },
  { id: 'mia', name: 'Miami, FL', bbox: [-80.32, 25.7, -80.13, 25.86] },
  { id: 'sea', name: 'Seattle, WA', bbox: [-122.44, 47.49, -122.23, 47.74] },
];

const W = 960;
const H = 600;
const POLL_MS = 4_000;

const topo = statesTopo as unknown as Topology<{ states: GeometryCollection; nation: GeometryCollection }>;
const states = feature(topo, topo.objects.states);
const borders = mesh(topo, topo.objects.states, (a, b) => a !== b);

function projectionFor(city: (typeof CITIES)[number] | undefined): GeoProjection {
  if (!city) return geoAlbersUsa().fitSize([W, H], states) as unknown as GeoProjection;
  const [w, s, e, n] = city.bbox;
  return geoMercator().fitExtent(
    [
      [10, 10],
      [W - 10, H - 10],
    ],
    {
      type: 'Feature',
      properties: {},
      geometry: {
        type: 'MultiPoint',
        coordinates: [
          [w, s],
          [e, n],
        ],
      },
    },
  );
}

export function LiveMap() {
  const api = useApi();
  const [cityId, setCityId] = useState('');
  const [data, setData] = useState<LiveMapData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [counties, setCounties] = useState<string | null>(null);
  const city = CITIES.find((c) => c.id === cityId);

  usePolling(
    async () => {
      try {
        setData(await api.get<LiveMapData>('/admin/live-map', { bbox: city?.bbox.join(',') }));
        setError(null);
      } catch (e) {
        setError(e);
      }
    },
    POLL_MS,
    true,
    [cityId],
  );

  const projection = useMemo(() => projectionFor(city), [city]);
  const path = useMemo(() => geoPath(projection), [projection]);

  // County lines only matter zoomed in: loaded (a separate bundled chunk) on the first city view.
  useEffect(() => {
    if (!city) return;
    let live = true;
    void import('us-atlas/counties-10m.json').then((m) => {
      const t = (m.default ?? m) as unknown as Topology<{ counties: GeometryCollection }>;
      if (live) setCounties(path(mesh(t, t.objects.counties, (a, b) => a !== b)) ?? null);
    });
    return () => {
      live = false;
    };
  }, [city, path]);

  const place = (lng: number, lat: number) => projection([lng, lat]);
  const citizenCount = data?.citizens.reduce((n, c) => n + c.count, 0) ?? 0;

  return (
    <>
      <div className="row">
        <label>
          Zoom to
          <select value={cityId} onChange={(e) => setCityId(e.target.value)}>
            <option value="">Whole United States</option>
            {CITIES.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <p className="summary" aria-live="polite" data-testid="map-summary">
          <span className="dot officer" aria-hidden="true" />{' '}
          <strong data-testid="officer-count">{data?.officers.length ?? 0}</strong> officers available ·{' '}
          <span className="dot citizen" aria-hidden="true" /> <strong>{citizenCount}</strong> citizens active
          {data?.truncated && ' (capped: zoom in for everything)'} · updated {fmtTime(data?.at)}
        </p>
      </div>
      <ErrorBox error={error} />
      <svg
        className="map"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Map of ${city?.name ?? 'the United States'} with available officers and active citizens`}
      >
        <rect width={W} height={H} className="water" />
        <g className="land">
          {states.features.map((f, i) => (
            <path key={i} d={path(f) ?? undefined} />
          ))}
        </g>
        {city && counties && <path className="counties" d={counties} />}
        <path className="borders" d={path(borders) ?? undefined} />
        <g>
          {data?.citizens.map((c, i) => {
            const p = place(c.lng, c.lat);
            return p ? (
              <circle
                key={i}
                className="citizen"
                cx={p[0]}
                cy={p[1]}
                r={Math.min(4 + Math.sqrt(c.count) * 2, 30)}
              >
                <title>{`${c.count} citizens active`}</title>
              </circle>
            ) : null;
          })}
        </g>
        <g>
          {data?.officers.map((o) => {
            const p = place(o.lng, o.lat);
            return p ? (
              <circle
                key={o.accountId}
                className="officer"
                data-testid="officer-marker"
                cx={p[0]}
                cy={p[1]}
                r={city ? 7 : 4}
              >
                <title>{`Officer available, seen ${fmtTime(o.updatedAt)}`}</title>
              </circle>
            ) : null;
          })}
        </g>
      </svg>
      {data && data.officers.length === 0 && data.citizens.length === 0 && (
        <Empty>Nobody is active in this area right now.</Empty>
      )}
    </>
  );
}
