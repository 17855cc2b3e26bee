import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const CONTEXTS = ['iam', 'profile', 'connections', 'rewards', 'etl', 'reporting', 'social', 'places'];

/**
 * Module boundaries (ARCHITECTURE.md rule 1): a context is reached only through its
 * `@heyblue/<ctx>` index; nothing reaches into another lib's folders; the platform
 * kernel imports no context.
 */
const noDeepImports = {
  patterns: [
    { regex: '^@heyblue/[^/]+/.+', message: 'Import a context only through its public index (@heyblue/<ctx>).' },
    {
      regex: `^(\\.\\./)+(libs/|apps/|(${[...CONTEXTS, 'platform'].join('|')})/src)`,
      message: 'Do not reach into another lib or app by relative path; import @heyblue/<ctx>.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'generated/**', 'node_modules/**', 'coverage/**', 'apps/admin/dist/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', noDeepImports] },
  },
  {
    files: ['libs/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noDeepImports.patterns,
            { regex: `^@heyblue/(${CONTEXTS.join('|')})$`, message: 'libs/platform is the shared kernel: it must not import a context.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
