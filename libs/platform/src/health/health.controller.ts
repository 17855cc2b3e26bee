import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { PrismaService } from '../database/prisma.service.js';
import { DomainError } from '../errors/domain-error.js';
import { withTimeout } from '../outbox/queue.factory.js';
import { RedisService } from '../redis/redis.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer (503 NOT_READY otherwise).' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.check('postgres', () => this.prisma.$queryRaw`SELECT 1`), () => this.check('redis', () => this.redis.client.ping())]);
    } catch (err) {
      if (err instanceof ServiceUnavailableException) {
        throw new DomainError('NOT_READY', 'A dependency is not ready.', 503, { checks: err.getResponse() });
      }
      throw err;
    }
  }

  private async check(key: string, probe: () => Promise<unknown>) {
    const session = this.indicators.check(key);
    try {
      await withTimeout(probe(), 2_000);
      return session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message.slice(0, 200) });
    }
  }
}
