import type { INestApplicationContext } from '@nestjs/common';
import { seedRewards } from '@heyblue/rewards';

/**
 * A context that has demo data contributes a seeder here. Seeders must be idempotent
 * (upserts by external id) so `db:seed` can run on every setup.
 */
export type Seeder = (ctx: INestApplicationContext) => Promise<string>;

const SEEDERS: Array<[string, Seeder]> = [['rewards', seedRewards]];

export async function runSeeders(ctx: INestApplicationContext): Promise<string> {
  if (SEEDERS.length === 0) return 'seed: no context has demo data yet';
  const lines: string[] = [];
  for (const [name, seed] of SEEDERS) lines.push(`${name}: ${await seed(ctx)}`);
  return lines.join('\n');
}
