import { IsOptional, IsString } from 'class-validator';
import { ValidationFailed } from './domain-error.js';
import { createValidationPipe } from './validation.js';

class NoteDto {
  @IsString() title!: string;
  @IsOptional() @IsString() body?: string;
}

describe('the validation pipe and NUL characters (PostgreSQL text cannot hold one)', () => {
  const pipe = createValidationPipe();
  const refusal = (run: () => unknown) =>
    Promise.resolve()
      .then(run)
      .then(
        () => undefined,
        (e: unknown) => e,
      );

  it('refuses a NUL character in a body field, naming the field', async () => {
    const err = await refusal(() =>
      pipe.transform({ title: 'ok', body: 'a\u0000b' }, { type: 'body', metatype: NoteDto }),
    );
    expect(err).toBeInstanceOf(ValidationFailed);
    expect((err as ValidationFailed).errors).toEqual([
      { field: 'body', message: 'body must not contain NUL characters' },
    ]);
  });

  it('refuses one in a plain query value no DTO validates', async () => {
    const err = await refusal(() =>
      pipe.transform('x\u0000', { type: 'query', metatype: String, data: 'action' }),
    );
    expect((err as ValidationFailed).errors).toEqual([
      { field: 'action', message: 'action must not contain NUL characters' },
    ]);
  });

  it('lets other text through unchanged', async () => {
    await expect(
      pipe.transform({ title: `<script>'--` }, { type: 'body', metatype: NoteDto }),
    ).resolves.toEqual({ title: `<script>'--` });
  });
});
