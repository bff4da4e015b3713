import type { IDataObject } from 'n8n-workflow';

/** A video as GET /videos and GET /videos/:id return it. */
export interface BlipixVideo extends IDataObject {
	id: string;
	title?: string;
	status: 'processing' | 'ready' | 'failed' | string;
	renderStatus?: string | null;
	renderProgress?: number | null;
	videoUrl?: string | null;
	thumbnailUrl?: string | null;
}

export interface BlipixAccount extends IDataObject {
	credits: { used: number; total: number; remaining: number };
}

export interface BlipixVoice extends IDataObject {
	voiceId: string;
	name: string;
	language: string;
	gender: string;
}

export interface BlipixStyle extends IDataObject {
	name: string;
}

/** The documented "done" rule: rendered and downloadable. */
export function isVideoReady(video: BlipixVideo): boolean {
	return video.renderStatus === 'completed' && Boolean(video.videoUrl);
}

export function isVideoFailed(video: BlipixVideo): boolean {
	return video.status === 'failed';
}
