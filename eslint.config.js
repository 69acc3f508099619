// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layering (see STYLE.md): pure modules must not reach for I/O or sibling internals. */
const pureModuleRestrictions = {
  patterns: [
    { group: ['node:fs', 'node:fs/*', 'fs', '@duckdb/*'], message: 'pure module: no fs or DuckDB' },
    { group: ['../server/*', '../cli/*', '../store/*'], message: 'pure module: wrong direction' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'coverage', 'data', 'training/runs', 'bin/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'use the seeded PRNG from src/core/random.ts',
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*/**', '!../core/**'], message: 'core imports no other src/ module' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/predict/**/*.ts', 'src/bandit/**/*.ts', 'src/metrics/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', pureModuleRestrictions] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
