import { newTrophies, trophyName, type TrophyStats } from './trophies.js';

const none: TrophyStats = { connections: 0, distinctZips: 0, donations: 0, donatedPoints: 0 };

describe('trophies', () => {
  it('awards nothing to a fresh account', () => {
    expect(newTrophies(none, [])).toEqual([]);
  });

  it('awards FIRST_CONNECTION on the first connection', () => {
    expect(newTrophies({ ...none, connections: 1, distinctZips: 1 }, [])).toEqual(['FIRST_CONNECTION']);
  });

  it('awards CONNECTIONS_10 at ten connections, not at nine', () => {
    expect(newTrophies({ ...none, connections: 9 }, ['FIRST_CONNECTION'])).toEqual([]);
    expect(newTrophies({ ...none, connections: 10 }, ['FIRST_CONNECTION'])).toEqual(['CONNECTIONS_10']);
  });

  it('awards CONNECTIONS_50 at fifty connections', () => {
    expect(newTrophies({ ...none, connections: 50 }, ['FIRST_CONNECTION', 'CONNECTIONS_10'])).toEqual([
      'CONNECTIONS_50',
    ]);
  });

  it('awards THREE_ZIPS for connections in three different ZIPs', () => {
    expect(newTrophies({ ...none, connections: 3, distinctZips: 3 }, ['FIRST_CONNECTION'])).toEqual([
      'THREE_ZIPS',
    ]);
  });

  it('awards FIRST_DONATION on the first donation', () => {
    expect(newTrophies({ ...none, donations: 1, donatedPoints: 5 }, [])).toEqual(['FIRST_DONATION']);
  });

  it('awards DONATED_1000 once donations reach 1,000 points in total', () => {
    expect(newTrophies({ ...none, donations: 3, donatedPoints: 999 }, ['FIRST_DONATION'])).toEqual([]);
    expect(newTrophies({ ...none, donations: 4, donatedPoints: 1_000 }, ['FIRST_DONATION'])).toEqual([
      'DONATED_1000',
    ]);
  });

  it('never awards a held trophy again', () => {
    expect(newTrophies({ ...none, connections: 1 }, ['FIRST_CONNECTION'])).toEqual([]);
  });

  it('catches up on several trophies at once after late events', () => {
    expect(newTrophies({ connections: 12, distinctZips: 4, donations: 0, donatedPoints: 0 }, [])).toEqual([
      'FIRST_CONNECTION',
      'CONNECTIONS_10',
      'THREE_ZIPS',
    ]);
  });

  it('names trophies for display', () => {
    expect(trophyName('DONATED_1000')).toBe('1,000 points donated');
  });
});
