import { addressClass, refuseConnectedAddress, refuseUrl } from '../../nodes/shared/urlPolicy';

const PUBLIC_API = 'https://app.blipix.pro/api/v1';
const LOCAL_API = 'http://127.0.0.1:5678/api/v1';

describe('the address policy', () => {
	it.each([
		['127.0.0.1', 'internal'],
		['localhost', 'internal'],
		['10.1.2.3', 'internal'],
		['172.20.0.1', 'internal'],
		['192.168.1.1', 'internal'],
		['100.64.0.1', 'internal'],
		['[::1]', 'internal'],
		['[fd12::1]', 'internal'],
		['[::ffff:192.168.0.1]', 'internal'],
		[new URL('http://[::ffff:10.0.0.1]/').hostname, 'internal'],
		[new URL('http://[::ffff:169.254.169.254]/').hostname, 'metadata'],
		['169.254.169.254', 'metadata'],
		['[fd00:ec2::254]', 'metadata'],
		['cdn.blipix.pro', 'public'],
		['93.184.216.34', 'public'],
	])('%s is %s', (host, expected) => {
		expect(addressClass(host)).toBe(expected);
	});

	it.each([
		// Every cloud's metadata service, by name and by address, however the name is written.
		['metadata.google.internal', 'metadata'],
		['metadata.goog', 'metadata'],
		['metadata', 'metadata'],
		['instance-data', 'metadata'],
		['Metadata.Google.Internal.', 'metadata'],
		['169.254.170.2', 'metadata'],
		['100.100.100.200', 'metadata'],
		['[FD00:EC2::254]', 'metadata'],
		['::ffff:169.254.169.254', 'metadata'],
		// Local names.
		['LocalHost.', 'internal'],
		['app.localhost', 'internal'],
		['db.internal', 'internal'],
		['notlocalhost', 'public'],
		['notinternal', 'public'],
		['localhost.example.com', 'public'],
		// Each private or reserved IPv4 range, at both of its edges and just outside them.
		['0.0.0.0', 'internal'],
		['0.255.255.255', 'internal'],
		['1.0.0.0', 'public'],
		['9.255.255.255', 'public'],
		['10.0.0.0', 'internal'],
		['10.255.255.255', 'internal'],
		['11.0.0.0', 'public'],
		['126.255.255.255', 'public'],
		['127.255.255.255', 'internal'],
		['128.0.0.0', 'public'],
		['100.63.255.255', 'public'],
		['100.64.0.0', 'internal'],
		['100.127.255.255', 'internal'],
		['100.128.0.0', 'public'],
		['99.100.0.1', 'public'],
		['101.100.0.1', 'public'],
		['169.254.0.1', 'internal'],
		['169.253.255.255', 'public'],
		['169.255.0.0', 'public'],
		['168.254.0.1', 'public'],
		['172.15.255.255', 'public'],
		['172.16.0.0', 'internal'],
		['172.31.255.255', 'internal'],
		['172.32.0.0', 'public'],
		['171.16.0.1', 'public'],
		['192.168.0.0', 'internal'],
		['192.167.255.255', 'public'],
		['192.169.0.0', 'public'],
		['191.168.0.1', 'public'],
		['223.255.255.255', 'public'],
		['224.0.0.0', 'internal'],
		['255.255.255.255', 'internal'],
		// Names that only look like addresses are names: DNS decides, and the connected address is checked.
		['10.0.0.com', 'public'],
		['10.0.0.-1', 'public'],
		// IPv6: unspecified, loopback, unique local (fc00::/7), link-local (fe80::/10), multicast (ff00::/8).
		['[::]', 'internal'],
		['[::2]', 'public'],
		['[fc00::1]', 'internal'],
		['[fdff::1]', 'internal'],
		['[fbff::1]', 'public'],
		['[fe80::1]', 'internal'],
		['[febf::1]', 'internal'],
		['[fec0::1]', 'public'],
		['[ff02::1]', 'internal'],
		['[fc0::1]', 'public'],
		['[ff0::1]', 'public'],
		['[2001:db8::fc00:1]', 'public'],
		// IPv4-mapped IPv6, as a socket reports it (dotted) and as the URL parser writes it (hex).
		['::ffff:10.0.0.1', 'internal'],
		['::ffff:1.2.3.4', 'public'],
		['[::ffff:a9fe:101]', 'internal'],
		['[::ffff:ac10:1]', 'internal'],
		['[::ffff:c0a8:1]', 'internal'],
		['[::ffff:102:304]', 'public'],
		['[::ffff:a00:1:0]', 'public'],
		['[2001:db8::ffff:a00:1]', 'public'],
		['2001:db8::ffff:10.0.0.1', 'public'],
	])('%s is %s, as every cloud, range and spelling requires', (host, expected) => {
		expect(addressClass(host)).toBe(expected);
	});

	it.each([
		['a web address', 'https://cdn.example.com/v.mp4', PUBLIC_API, undefined],
		['a plain-HTTP address', 'http://cdn.example.com/v.mp4', PUBLIC_API, undefined],
		['a public address while the API is local', 'http://cdn.example.com/v.mp4', LOCAL_API, undefined],
		['another scheme', 'ftp://cdn.example.com/v.mp4', PUBLIC_API, 'it is not a web address (ftp:)'],
		['a user name', 'https://user@cdn.example.com/v.mp4', PUBLIC_API, 'it carries a user name or password'],
		['a password alone', 'https://:pw@cdn.example.com/v.mp4', PUBLIC_API, 'it carries a user name or password'],
		['a metadata name while the API is local', 'http://metadata.goog/x', LOCAL_API, 'metadata.goog is a cloud metadata address'],
		['a metadata address while the API is local', 'http://[fd00:ec2::254]/x', LOCAL_API, '[fd00:ec2::254] is a cloud metadata address'],
		['a private address while the API is public', 'http://10.0.0.7/x', PUBLIC_API, '10.0.0.7 is an address inside your network, and the API is not'],
		['a private address and port while the API is public', 'http://10.0.0.7:8080/x', PUBLIC_API, '10.0.0.7 is an address inside your network, and the API is not'],
		['a private address while the API is local', 'http://10.0.0.7:8080/x', LOCAL_API, undefined],
		['a private address while the API is on a local name', 'http://10.0.0.7/x', 'http://localhost:5678', undefined],
	])('a download URL with %s is refused for: %s', (_, url, apiBaseUrl, reason) => {
		expect(refuseUrl(new URL(url), apiBaseUrl)).toBe(reason);
	});

	it('refuses a connection that DNS or a redirect led to a link-local or metadata address', () => {
		expect(refuseConnectedAddress('169.254.169.254')).toMatch(/link-local or cloud metadata/);
		expect(refuseConnectedAddress('::ffff:169.254.1.1')).toMatch(/link-local/);
		expect(refuseConnectedAddress('fe80::1')).toMatch(/link-local/);
		expect(refuseConnectedAddress('10.0.0.1')).toBeUndefined();
		expect(refuseConnectedAddress(undefined)).toBeUndefined();
	});

	it.each([
		['169.254.1.1', true],
		['169.254.170.2', true],
		['100.100.100.200', true],
		['fd00:ec2::254', true],
		['::FFFF:169.254.1.1', true],
		['febf::1', true],
		['FE80::1', true],
		// A proxy n8n goes through may sit on a private or loopback address.
		['10.0.0.1', false],
		['127.0.0.1', false],
		['::1', false],
		['fd00::1', false],
		['fec0::1', false],
		['10.169.254.1', false],
		['2001:db8::fe80:1', false],
		['', false],
	])('a connection to %s is refused: %s', (address, refused) => {
		expect(refuseConnectedAddress(address)).toBe(refused ? `its host name led to ${address}, a link-local or cloud metadata address` : undefined);
	});
});
