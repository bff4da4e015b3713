import { addressClass, refuseConnectedAddress } from '../../nodes/shared/urlPolicy';

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

	it('refuses a connection that DNS or a redirect led to a link-local or metadata address', () => {
		expect(refuseConnectedAddress('169.254.169.254')).toMatch(/link-local or cloud metadata/);
		expect(refuseConnectedAddress('::ffff:169.254.1.1')).toMatch(/link-local/);
		expect(refuseConnectedAddress('fe80::1')).toMatch(/link-local/);
		expect(refuseConnectedAddress('10.0.0.1')).toBeUndefined();
		expect(refuseConnectedAddress(undefined)).toBeUndefined();
	});
});
