import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '@heyblue/platform';
import { RewardsSettings } from '../application/ports.js';

@Injectable()
export class EnvRewardsSettings extends RewardsSettings {
  readonly pointsPerConnection: { citizen: number; officer: number };
  readonly voucherValidityDays: number;
  readonly usdPerPoint: number;

  constructor(config: ConfigService<Env, true>) {
    super();
    this.pointsPerConnection = {
      citizen: config.get('REWARDS_POINTS_PER_CONNECTION_CITIZEN', { infer: true }),
      officer: config.get('REWARDS_POINTS_PER_CONNECTION_OFFICER', { infer: true }),
    };
    this.voucherValidityDays = config.get('VOUCHER_VALIDITY_DAYS', { infer: true });
    this.usdPerPoint = config.get('REWARDS_USD_PER_POINT', { infer: true });
  }
}
