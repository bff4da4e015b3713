/** The HTTP client both simulator test files use: raw responses, with the body parsed when it is JSON. */
export interface ApiResponse {
	status: number;
	headers: Headers;
	text: string;
	json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ApiCall {
	method?: string;
	/** Bearer key; null sends no Authorization header. */
	key: string | null;
	body?: unknown;
	rawBody?: string;
	headers?: Record<string, string>;
}

export async function callApi(url: string, opts: ApiCall): Promise<ApiResponse> {
	const headers: Record<string, string> = { ...(opts.headers ?? {}) };
	if (opts.key !== null) headers.Authorization = `Bearer ${opts.key}`;
	let body: string | undefined;
	if (opts.rawBody !== undefined) body = opts.rawBody;
	else if (opts.body !== undefined) {
		body = JSON.stringify(opts.body);
		headers['Content-Type'] ??= 'application/json';
	}
	const res = await fetch(url, { method: opts.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
	const text = await res.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = text;
	}
	return { status: res.status, headers: res.headers, text, json };
}
