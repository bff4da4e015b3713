/**
 * Which addresses a download may reach. A file URL comes from an API answer, so it must not be
 * a way into the network n8n runs in (a cloud metadata service, a database's admin page).
 */
export type AddressClass = 'public' | 'internal' | 'metadata';

/** Cloud metadata services: never a download target, whatever the Base URL. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data']);
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200']);

function ipv4Class(address: string): AddressClass | undefined {
	const parts = address.split('.').map(Number);
	if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
	if (METADATA_ADDRESSES.has(address)) return 'metadata';
	const [a, b] = parts;
	const internal =
		a === 0 || // "this network"
		a === 10 ||
		a === 127 ||
		(a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
		(a === 169 && b === 254) || // link-local
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168) ||
		a >= 224; // multicast and reserved
	return internal ? 'internal' : 'public';
}

function ipv6Class(address: string): AddressClass | undefined {
	if (!address.includes(':')) return undefined;
	const lower = address.toLowerCase();
	if (METADATA_ADDRESSES.has(lower)) return 'metadata';
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
	if (mapped) return ipv4Class(mapped[1]);
	// The URL parser writes an IPv4-mapped address in hex: ::ffff:a9fe:a9fe is 169.254.169.254.
	const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
	if (hex) {
		const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
		return ipv4Class([high >> 8, high & 255, low >> 8, low & 255].join('.'));
	}
	if (lower === '::' || lower === '::1') return 'internal';
	// fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast
	return /^(f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]|ff[0-9a-f]{2}):/.test(lower) ? 'internal' : 'public';
}

/** The class of a URL's host name or of a connected socket's address. */
export function addressClass(host: string): AddressClass {
	const bare = host.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
	if (METADATA_NAMES.has(bare)) return 'metadata';
	if (bare === 'localhost' || bare.endsWith('.localhost') || bare.endsWith('.internal')) return 'internal';
	return ipv4Class(bare) ?? ipv6Class(bare) ?? 'public';
}

/**
 * Why `url` may not be downloaded, or undefined when it may. Internal addresses are allowed only
 * when the API's own Base URL is internal too (the simulator, a local proxy); metadata never.
 */
export function refuseUrl(url: URL, apiBaseUrl: string): string | undefined {
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return `it is not a web address (${url.protocol})`;
	if (url.username || url.password) return 'it carries a user name or password';
	const target = addressClass(url.hostname);
	if (target === 'metadata') return `${url.hostname} is a cloud metadata address`;
	if (target === 'internal' && addressClass(new URL(apiBaseUrl).hostname) === 'public') {
		return `${url.hostname} is an address inside your network, and the API is not`;
	}
	return undefined;
}

/**
 * Why the address a download actually connected to (after DNS and redirects) is refused. Only
 * metadata and link-local addresses are checked here: a proxy n8n goes through may well sit on
 * a private or loopback address, but never on these.
 */
export function refuseConnectedAddress(address: string | undefined): string | undefined {
	if (!address) return undefined;
	const bare = address.toLowerCase().replace(/^::ffff:/, '');
	if (addressClass(bare) === 'metadata' || bare.startsWith('169.254.') || /^fe[89ab][0-9a-f]:/.test(bare)) {
		return `its host name led to ${address}, a link-local or cloud metadata address`;
	}
	return undefined;
}
