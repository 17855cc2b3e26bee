import { Injectable } from '@nestjs/common';
import { PrismaAuditRepository, type AuditInput } from '../infrastructure/prisma-audit.repository.js';

/** Records audit entries outside a transaction (controllers, other contexts through IamApi). */
@Injectable()
export class AuditTrail {
  constructor(private readonly audit: PrismaAuditRepository) {}

  record(entry: AuditInput): Promise<void> {
    return this.audit.record(entry);
  }
}
