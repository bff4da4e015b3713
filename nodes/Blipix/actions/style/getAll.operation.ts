import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { BlipixStyle } from '../../../shared/blipix/types';
import { blipixRequest } from '../../../shared/blipix/transport';

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const { styles } = await blipixRequest<{ styles: BlipixStyle[] }>(this, {
		method: 'GET',
		path: '/styles',
		itemIndex,
	});
	return styles.map((style) => ({ json: style }));
}
