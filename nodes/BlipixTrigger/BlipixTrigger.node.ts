import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { ASPECT_RATIOS } from '../shared/blipix/constants';
import { binaryPropertyProperty, filtersProperty, maxFileSizeProperty, optionsProperty } from '../shared/descriptions';
import { toNodeError } from '../shared/errors';
import type { TriggerSettings, VideoEvent } from './videoEvents';
import { MAX_LOOKUPS_PER_POLL, latestEvent, pollVideoEvents } from './videoEvents';

function readSettings(ctx: IPollFunctions): TriggerSettings {
	const filters = ctx.getNodeParameter('filters', {}) as IDataObject;
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	return {
		events: ctx.getNodeParameter('events', ['video.ready']) as VideoEvent[],
		aspectRatios: (filters.aspectRatios as string[] | undefined) ?? [],
		titleContains: String(filters.titleContains ?? ''),
		fetchDetails: options.fetchDetails !== false,
		downloadVideo: options.downloadVideo === true,
		videoField: String(options.binaryPropertyName ?? 'data') || 'data',
		downloadThumbnail: options.downloadThumbnail === true,
		thumbnailField: String(options.thumbnailPropertyName ?? 'thumbnail') || 'thumbnail',
		maxBytes: Math.max(0, Number(options.maxFileSize ?? 0)) * 1024 * 1024,
		catchUpHours: Math.max(0, Number(options.catchUpHours ?? 0)),
	};
}

/** Whether a failed poll must be shown (the key was refused) rather than simply tried again next time. */
const mustReport = (error: unknown) => error instanceof NodeApiError && ['401', '403'].includes(String(error.httpCode));

export class BlipixTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Blipix Trigger',
		name: 'blipixTrigger',
		icon: { light: 'file:../../icons/blipix.svg', dark: 'file:../../icons/blipix.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts a workflow when a Blipix video is ready or has failed, whoever created it',
		defaults: { name: 'Blipix Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'blipixApi', required: true }],
		properties: [
			{
				displayName: `Each poll costs one request for all your videos (one GET /videos?limit=100), plus one per video it emits (its details) and, rarely, up to ${MAX_LOOKUPS_PER_POLL} for videos that left the newest 100 before finishing. Each video starts its own execution, once.`,
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{ name: 'Video Ready', value: 'video.ready', description: 'Rendered: renderStatus is completed and the MP4 link is there' },
					{ name: 'Video Failed', value: 'video.failed', description: 'Blipix reports the video as failed' },
				],
				default: ['video.ready'],
			},
			filtersProperty([
				{
					displayName: 'Aspect Ratio',
					name: 'aspectRatios',
					type: 'multiOptions',
					options: ASPECT_RATIOS,
					default: [],
					description: 'Only videos of these aspect ratios',
				},
				{
					displayName: 'Title Contains',
					name: 'titleContains',
					type: 'string',
					default: '',
					description: 'Only videos whose title contains this text (case does not matter)',
				},
			]),
			optionsProperty([
				{
					displayName: 'Catch Up on First Poll (Hours)',
					name: 'catchUpHours',
					type: 'number',
					typeOptions: { minValue: 0 },
					default: 0,
					description:
						'The first poll after activation records what exists and emits nothing; with a number here it also emits the videos created in the last that many hours that have finished',
				},
				{
					displayName: 'Download Thumbnail',
					name: 'downloadThumbnail',
					type: 'boolean',
					default: false,
					description: 'Whether to put the thumbnail image of a ready video into binary data',
				},
				{
					displayName: 'Download Video',
					name: 'downloadVideo',
					type: 'boolean',
					default: false,
					description: 'Whether to put the MP4 of a ready video into binary data, streamed, never held in memory whole',
				},
				{
					displayName: 'Fetch Full Details',
					name: 'fetchDetails',
					type: 'boolean',
					default: true,
					description: 'Whether to read each emitted video by ID (one request) for its script, audio URL and render progress',
				},
				maxFileSizeProperty,
				// Not required inside a collection: n8n would report an option the user never added as missing.
				{ ...binaryPropertyProperty, required: false },
				{ ...binaryPropertyProperty, required: false, displayName: 'Put Thumbnail in Field', name: 'thumbnailPropertyName', default: 'thumbnail' },
			]),
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		if (this.getMode() === 'manual') {
			// "Fetch Test Event": the newest finished video, and the cursor stays where it is.
			const item = await latestEvent(this, settings).then(
				(found) => ({ found }),
				(error: unknown) => ({ error }),
			);
			if ('error' in item) throw toNodeError(this.getNode(), item.error);
			if (!item.found) {
				throw new NodeOperationError(this.getNode(), 'No finished Blipix video matches the events and filters yet', {
					description: 'Create a video (Blipix → Video → Create), wait until it is rendered, then fetch again.',
				});
			}
			return [[item.found]];
		}

		const hadBaseline = (this.getWorkflowStaticData('node').cursor as IDataObject | undefined)?.baselineAt !== undefined;
		// One execution per video, like one post per video, started as soon as its item is ready.
		const polled = await pollVideoEvents(this, settings, (item) => this.__emit([[item]])).then(
			() => ({}),
			(error: unknown) => ({ error }),
		);
		if ('error' in polled) {
			// The cursor moved on nothing, so the next poll catches up. Shown: a refused key, and any
			// failure on activation (so it does not activate); logged: blips like rate limits.
			if (!hadBaseline || mustReport(polled.error)) throw toNodeError(this.getNode(), polled.error);
			this.logger.warn(`Blipix Trigger: this poll could not check for videos and the next one will: ${(polled.error as Error).message}`);
			return null;
		}
		return null;
	}
}
