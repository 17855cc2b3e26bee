import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor, Audited, Auth, type AuditActor } from '@heyblue/iam';
import { ValidationFailed } from '@heyblue/platform';
import {
  AdjustPointsHandler,
  type AdjustmentResult,
} from '../application/adjust-points/adjust-points.handler.js';
import { AdjustmentAccountParam, PointsAdjustmentDto } from './dto/requests.dto.js';
import { AdjustmentDto } from './dto/responses.dto.js';
import { IdempotencyKey } from './request-context.js';

@ApiTags('admin')
@Controller('admin/accounts')
@Auth('admin')
export class AdminPointsController {
  constructor(private readonly adjust: AdjustPointsHandler) {}

  @Post(':id/points-adjustments')
  @HttpCode(201)
  @Audited('points_adjusted')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$', maxLength: 255 },
    description:
      'Required. A repeat with the same key answers the first answer and moves nothing; the same key with another body answers 422 IDEMPOTENCY_KEY_REUSED.',
  })
  @ApiOperation({
    summary:
      'Credit or claw back points with a reason: a ledger entry of kind adjustment, never below zero; the account gets points.awarded',
  })
  @ApiCreatedResponse({ type: AdjustmentDto })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED (points zero or not whole, reason missing, Idempotency-Key missing)',
  })
  @ApiNotFoundResponse({ description: 'ACCOUNT_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({
    description: 'INSUFFICIENT_POINTS (the balance would go below zero), IDEMPOTENCY_KEY_REUSED',
  })
  create(
    @Param() p: AdjustmentAccountParam,
    @Body() body: PointsAdjustmentDto,
    @Actor() actor: AuditActor,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<AdjustmentResult> {
    if (!idempotencyKey)
      throw new ValidationFailed([
        { field: 'Idempotency-Key', message: 'an Idempotency-Key header is required' },
      ]);
    return this.adjust.execute({
      accountId: p.id,
      points: body.points,
      reason: body.reason,
      idempotencyKey,
      actor,
    });
  }
}
