import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('module boundaries (lint)', () => {
  it('lets a context import another through its public index', async () => {
    expect(
      await importErrors(
        'libs/rewards/src/application/x.ts',
        "import { IamModule } from '@heyblue/iam';\nexport const m = IamModule;\n",
      ),
    ).toEqual([]);
  });

  it("rejects a deep import of another context's internals through the alias", async () => {
    const errors = await importErrors(
      'libs/rewards/src/application/x.ts',
      "import { X } from '@heyblue/iam/src/domain/account.js';\nexport const m = X;\n",
    );
    expect(errors).toEqual([expect.stringContaining('public index')]);
  });

  it("rejects a relative path into another context's folders", async () => {
    const errors = await importErrors(
      'libs/rewards/src/application/x.ts',
      "import { X } from '../../../iam/src/domain/account.js';\nexport const m = X;\n",
    );
    expect(errors).toEqual([expect.stringContaining('another lib')]);
  });

  it('rejects the platform kernel importing a context', async () => {
    const errors = await importErrors(
      'libs/platform/src/x.ts',
      "import { RewardsModule } from '@heyblue/rewards';\nexport const m = RewardsModule;\n",
    );
    expect(errors).toEqual([expect.stringContaining('must not import a context')]);
  });

  it('lets a context use its own relative paths', async () => {
    expect(
      await importErrors(
        'libs/rewards/src/application/x.ts',
        "import { Y } from '../domain/ledger.js';\nexport const m = Y;\n",
      ),
    ).toEqual([]);
  });
});
