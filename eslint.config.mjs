// The same two rule sets n8n's verification scanner (@n8n/scan-community-package) runs, in one
// ESLint 9 flat config: @n8n/eslint-plugin-community-nodes (recommended, the n8n Cloud set) and
// eslint-plugin-n8n-nodes-base's community, credentials and nodes sets, with the scanner's own
// overrides. The scanner ignores inline eslint-disable comments, so this config allows none either.
import { defineConfig } from 'eslint/config';
import tsParser from '@typescript-eslint/parser';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

export default defineConfig(
	{ ignores: ['dist/**', '.build/**', 'node_modules/**', '**/*.test.ts', '**/*.js', '**/*.mjs'] },
	{ linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'error' } },
	n8nCommunityNodesPlugin.configs.recommended,
	{ rules: { 'no-console': 'error' } },
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{ files: ['**/*.json', '**/*.ts'], languageOptions: { parser: tsParser } },
	{
		files: ['package.json'],
		rules: { ...n8nNodesBase.configs.community.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Only for nodes in n8n's own repository: community docs live at full URLs.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			// The community plugin's credential-password-field rule checks the same, more precisely.
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// Inputs and outputs are NodeConnectionTypes values, which these rules do not know.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			// Limits the APIs document (e.g. 180 minutes of waiting) are real maximums.
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
);
