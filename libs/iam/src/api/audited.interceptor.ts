import {
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import client from 'prom-client';
import type { Env } from '@heyblue/platform';
import { Observable, tap } from 'rxjs';
import { auditScope, type AuditScope } from '../application/audit-scope.js';
import { AUDITED } from './audited.decorator.js';

const missing = new client.Counter({
  name: 'heyblue_audit_missing_total',
  help: 'Successful calls of an @Audited route that wrote none of its audit actions',
  labelNames: ['route'],
});

/**
 * Holds every `@Audited` route to its word: the handler runs in a scope that notes the audit
 * entries written; a success without one of the declared actions (and not marked unchanged)
 * is a bug. Outside production it fails the call, so every e2e test of the route catches it;
 * in production the change has committed, so it is logged and counted instead.
 */
@Injectable()
export class AuditedInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Audit');
  private readonly strict: boolean;

  constructor(
    private readonly reflector: Reflector,
    config: ConfigService<Env, true>,
  ) {
    this.strict = config.get('NODE_ENV', { infer: true }) !== 'production';
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const actions =
      context.getType() === 'http'
        ? this.reflector.get<string[] | undefined>(AUDITED, context.getHandler())
        : undefined;
    if (!actions) return next.handle();
    const scope: AuditScope = { actions: new Set(), unchanged: false };
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    return new Observable((subscriber) =>
      auditScope.run(scope, () =>
        next
          .handle()
          .pipe(
            tap(() => {
              if (scope.unchanged || actions.some((a) => scope.actions.has(a))) return;
              missing.inc({ route });
              const message = `${route} succeeded without an audit entry (${actions.join(' | ')})`;
              this.logger.error(message);
              if (this.strict) throw new Error(`AUDIT_MISSING: ${message}`);
            }),
          )
          .subscribe(subscriber),
      ),
    );
  }
}
