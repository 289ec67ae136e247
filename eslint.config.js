import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.choreo/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a value taken out on purpose, as in `{ dropped: _dropped, ...rest }`.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
