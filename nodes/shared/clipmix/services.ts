/**
 * ClipMix services: the API path of each, and the body field each node parameter becomes.
 *
 * Only music is documented field by field (the launch post's quickstart). The paths and
 * field names of the other three are INFERRED from the post's prose, so they live here and
 * only here: correcting one is a one-line change. Every create also has "Additional Fields
 * (JSON)", passed through to the body, for fields this table does not know.
 */
export const CLIPMIX_SERVICES = {
	music: {
		label: 'Music',
		path: '/music', // documented
		inferred: false,
		resultKind: 'audio',
		fields: { prompt: 'prompt', lyrics: 'lyrics', durationSeconds: 'duration_seconds' },
	},
	translation: {
		label: 'Video Translation',
		path: '/translations', // INFERRED
		inferred: true,
		resultKind: 'video',
		fields: {
			videoUrl: 'video_url',
			targetLanguages: 'target_languages',
			voiceCloning: 'voice_cloning',
			qualityTier: 'tier', // the post: "at the balanced tier", "premium-tier"
		},
	},
	memoryVideo: {
		label: 'Memory Video',
		path: '/family-videos', // INFERRED: "the family-videos endpoint"
		inferred: true,
		resultKind: 'video',
		fields: { mode: 'mode', photoUrls: 'photo_urls', songUrl: 'song_url', musicPrompt: 'music_prompt', title: 'title' },
	},
	avatar: {
		label: 'Avatar / Faceswap',
		path: '/avatars', // INFERRED
		inferred: true,
		resultKind: 'video',
		fields: {
			faceImageUrl: 'face_image_url',
			script: 'script',
			audioUrl: 'audio_url',
			targetVideoUrl: 'target_video_url',
			qualityTier: 'tier', // the post: "at the balanced tier", "premium-tier"
			durationSeconds: 'duration_seconds',
		},
	},
} as const;

export type ClipMixService = keyof typeof CLIPMIX_SERVICES;

export const CLIPMIX_SERVICE_KEYS = Object.keys(CLIPMIX_SERVICES) as ClipMixService[];

export function serviceByPath(path: string): ClipMixService | undefined {
	return CLIPMIX_SERVICE_KEYS.find((key) => path.startsWith(`${CLIPMIX_SERVICES[key].path}/`));
}
