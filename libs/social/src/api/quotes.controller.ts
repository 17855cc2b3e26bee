import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@heyblue/platform';
import { SocialRepository } from '../infrastructure/social.repository.js';
import { QuoteDto } from './dto/social.dto.js';

@ApiTags('social')
@Controller('quotes')
export class QuotesController {
  constructor(private readonly repo: SocialRepository) {}

  @Get('random')
  @ApiOperation({ summary: 'A random quote about community and connection (public, no sign-in)' })
  @ApiOkResponse({ type: QuoteDto })
  async random(): Promise<QuoteDto> {
    const quote = await this.repo.randomQuote();
    if (!quote) throw new NotFound('Quote', 'QUOTE_NOT_FOUND');
    return quote;
  }
}
