import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '@heyblue/platform';
import { IamApi, type AuditActor } from '@heyblue/iam';
import { ETL_COLUMNS, ETL_KINDS, ETL_PARENTS } from '../domain/etl-kinds.js';

export interface EtlKindsView {
  items: Array<{
    kind: string;
    required: string[];
    optional: string[];
    parent: { kind: string; column: string } | null;
  }>;
  maxUploadBytes: number;
}

/** What the upload form needs to know before a file is picked; audited like ETL's other reads. */
@Injectable()
export class EtlKindsQuery {
  constructor(
    private readonly iam: IamApi,
    private readonly config: ConfigService<Env, true>,
  ) {}

  async kinds(actor: AuditActor): Promise<EtlKindsView> {
    await this.iam.recordAdminAction(actor, 'etl_kinds_viewed', null, null);
    return {
      items: ETL_KINDS.map((kind) => ({
        kind,
        required: [...ETL_COLUMNS[kind].required],
        optional: [...ETL_COLUMNS[kind].optional],
        parent: ETL_PARENTS[kind] ?? null,
      })),
      maxUploadBytes: this.config.get('ETL_MAX_UPLOAD_BYTES', { infer: true }),
    };
  }
}
