// ESLint (flat config): typescript-eslint's recommended rules, React's hooks rules (a missing
// effect dependency is a bug here: an effect that reads stale state), and no console output from
// library code (services/, screens/: output goes through source/output.ts or the screens).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', 'test-artifacts/', 'bench/flood-emitter.js']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx}'],
		plugins: {'react-hooks': reactHooks},
		linterOptions: {reportUnusedDisableDirectives: 'error'},
		rules: {
			'react-hooks/rules-of-hooks': 'error',
			'react-hooks/exhaustive-deps': 'error',
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
			// Non-null assertions follow checks TypeScript cannot see (noUncheckedIndexedAccess).
			'@typescript-eslint/no-non-null-assertion': 'off',
			// A terminal app matches escape sequences and control characters on purpose.
			'no-control-regex': 'off',
		},
	},
	{
		files: ['services/**/*.ts', 'screens/**/*.{ts,tsx}'],
		rules: {'no-console': 'error'},
	},
	{
		// Tests read the JSON lines a command prints loosely, field by field.
		files: ['test/**/*.{ts,tsx}'],
		rules: {'@typescript-eslint/no-explicit-any': 'off'},
	},
	{
		files: ['bin/**/*.mjs', 'bench/**/*.js'],
		languageOptions: {globals: {process: 'readonly', console: 'readonly', URL: 'readonly'}},
	},
);
