import { Injectable } from '@nestjs/common';
import { SocketAuthenticator } from '@heyblue/iam';
import { SocketAuth, type SocketAccount } from '../application/ports.js';

/** Socket handshakes are authenticated by IAM; this adapter only narrows its interface. */
@Injectable()
export class IamSocketAuth extends SocketAuth {
  constructor(private readonly iam: SocketAuthenticator) {
    super();
  }

  authenticate(token: string): Promise<SocketAccount> {
    return this.iam.authenticate(token);
  }

  onAccessRevoked(listener: (info: { accountId: string; sessionId?: string }) => void): void {
    this.iam.onAccessRevoked(listener);
  }
}
