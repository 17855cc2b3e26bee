import { Injectable } from '@nestjs/common';
import { IamApi } from '@heyblue/iam';
import { AccountDirectory, type AccountSummary } from '../application/ports.js';

/** Account facts from IAM's facade (IAM owns accounts; Profile never reads its tables). */
@Injectable()
export class IamAccountDirectory extends AccountDirectory {
  constructor(private readonly iam: IamApi) {
    super();
  }

  async signedInAccount(caller: { id: string }): Promise<AccountSummary | null> {
    const a = await this.iam.signedInAccount(caller);
    return a ? { id: a.id, role: a.role, phoneMasked: a.phoneMasked } : null;
  }
}
