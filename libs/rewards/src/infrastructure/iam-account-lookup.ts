import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { IamApi } from '@heyblue/iam';
import { AccountLookup } from '../application/ports.js';

/** Asks IAM, the owner of accounts, through its facade. */
@Injectable()
export class IamAccountLookup extends AccountLookup {
  constructor(private readonly iam: IamApi) {
    super();
  }

  async exists(accountId: string): Promise<boolean> {
    return isUUID(accountId) && (await this.iam.getAccount(accountId)) !== null;
  }
}
