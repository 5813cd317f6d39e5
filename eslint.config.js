import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Node's globals for plain JS files (scripts, bench, adapters); TypeScript files get them from @types/node.
const NODE_GLOBALS = ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval',
  'setImmediate', 'clearImmediate', 'queueMicrotask', 'globalThis', 'fetch', 'performance', 'AbortController', 'AbortSignal',
  'TextEncoder', 'TextDecoder', 'structuredClone', 'Response', 'Request', 'Headers', 'crypto'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cairn/**', 'results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map((g) => [g, 'readonly'])) },
  },
);
