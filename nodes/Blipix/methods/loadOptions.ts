import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { blipixRequest } from '../../shared/blipix/transport';
import type { BlipixStyle, BlipixVoice } from '../../shared/blipix/types';

const byName = (a: INodePropertyOptions, b: INodePropertyOptions) => a.name.localeCompare(b.name);

export async function getVoices(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const { voices } = await blipixRequest<{ voices: BlipixVoice[] }>(this, { method: 'GET', path: '/voices' });
	return voices
		.map((voice) => ({
			name: `${voice.name} (${voice.language}, ${voice.gender})`,
			value: voice.voiceId,
		}))
		.sort(byName);
}

export async function getStyles(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const { styles } = await blipixRequest<{ styles: BlipixStyle[] }>(this, { method: 'GET', path: '/styles' });
	return styles.map((style) => ({ name: style.name, value: style.name })).sort(byName);
}
