/**
 * The recovery of a Blipix create that got no answer (nodes/shared/blipix/create.ts), rule by rule, against a
 * scripted Blipix: each test says what every create is answered and what every look at the video list shows
 * (blipixRequest is replaced), and the package's clock stands still unless the test or a wait moves it, so
 * the boundaries (the minute of clock difference, the ids remembered per key) are hit exactly.
 * test/paid/rightVideo.test.ts holds the same rules end to end, through n8n and the simulator.
 *
 * The ledgers of create.ts live as long as the process: each test uses a key of its own.
 */
import type { IDataObject, IExecuteFunctions, INode, NodeOperationError } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { createVideo } from '../../nodes/shared/blipix/create';
import { blipixRequest } from '../../nodes/shared/blipix/transport';
import type { BlipixVideo } from '../../nodes/shared/blipix/types';
import { clock } from '../../nodes/shared/clock';
import type { ApiRequest } from '../../nodes/shared/transport/apiRequest';

jest.mock('../../nodes/shared/blipix/transport', () => ({
	...jest.requireActual<object>('../../nodes/shared/blipix/transport'),
	blipixRequest: jest.fn(),
}));

const NODE: INode = { id: 'b', name: 'Blipix', type: 'n8n-nodes-blipix-clipmix.blipix', typeVersion: 1, position: [0, 0], parameters: {} };
const BODY: IDataObject = { prompt: 'mine', voice: 'alloy', aspectRatio: '9:16', duration: '90-120' };
const SENT = Date.parse('2025-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const ID_CAPACITY = 5_000;

/** The create's answer: the video it made, or none at all (it may have made one). */
type CreateAnswer = () => Promise<IDataObject>;
const answeredWith = (id: string): CreateAnswer => async () => ({ id, status: 'processing' });
const noAnswer: CreateAnswer = async () => {
	const error = new NodeApiError(NODE, { message: 'socket hang up' }, { message: 'No answer from Blipix' });
	error.context.unconfirmed = true;
	throw error;
};
/** What one look at the video list shows, newest first, or that it failed. */
type Look = BlipixVideo[] | Error;

/** What the item gets: the video, or the error that fails it. */
type Outcome = { video?: IDataObject; error?: NodeOperationError };

/** One API key's account on the scripted Blipix. */
class Account {
	private static count = 0;
	readonly apiKey = `blx_recovery_${++Account.count}`;
	readonly warnings: string[] = [];
	readonly looks: Look[] = [];
	looksTaken = 0;
	private readonly answers: CreateAnswer[] = [];

	readonly ctx = {
		getCredentials: async () => ({ apiKey: this.apiKey }),
		getNode: () => NODE,
		getExecutionCancelSignal: () => undefined,
		logger: { warn: (message: string) => this.warnings.push(message) },
		account: this,
	} as unknown as IExecuteFunctions;

	async answer(request: ApiRequest): Promise<unknown> {
		if (request.method === 'POST') return await (this.answers.shift() as CreateAnswer)();
		this.looksTaken++;
		const look = this.looks.shift();
		if (look === undefined) throw new Error(`look ${this.looksTaken} was not scripted`);
		if (look instanceof Error) throw look;
		return { videos: look };
	}

	/** Sends one create answered `answer`; the looks its recovery takes show `looks`, in order. */
	async create(answer: CreateAnswer, looks: Look[] = [], itemIndex = 0): Promise<Outcome> {
		this.answers.push(answer);
		this.looks.push(...looks);
		return await createVideo(this.ctx, BODY, itemIndex).then(
			(video) => ({ video }),
			(error: NodeOperationError) => ({ error }),
		);
	}

	/** A create whose answer was lost, whose recovery takes exactly the looks given. */
	async lostCreate(...looks: Look[]): Promise<Outcome> {
		const before = this.looksTaken;
		const outcome = await this.create(noAnswer, looks);
		expect({ looksTaken: this.looksTaken - before, unused: this.looks.length }).toEqual({ looksTaken: looks.length, unused: 0 });
		return outcome;
	}
}

/** API time: stands still, and a wait moves it on by exactly what was waited. */
let now = SENT;
let waits: jest.SpyInstance;
beforeEach(() => {
	now = SENT;
	jest.mocked(blipixRequest).mockImplementation(async (ctx, request) => await (ctx as unknown as { account: Account }).account.answer(request));
	jest.spyOn(clock, 'now').mockImplementation(() => now);
	waits = jest.spyOn(clock, 'sleep').mockImplementation(async (apiMs: number) => {
		now += apiMs;
	});
});
afterEach(() => jest.restoreAllMocks());

/** A video on the account, made `before` ms before the create under test was sent. */
const video = (id: string, before = 0, fields: Partial<BlipixVideo> = {}): BlipixVideo => ({
	id,
	title: `title of ${id}`,
	status: 'processing',
	aspectRatio: '9:16',
	createdAt: new Date(SENT - before).toISOString(),
	...fields,
});

/** What the item gets when the recovery adopts `listed`: the video as listed, its price, and that it was recovered. */
const adopted = (shown: BlipixVideo) => ({ video: { ...shown, creditsCost: 20, recovered: true } });
const notAdopted = /^Blipix did not confirm this create \(no answer came back\); it was not sent again/;
const CHECK = ' Check your Blipix account (Video → Get Many) before running this item again.';
const NOTHING_NEW = `No new video appeared on your Blipix account since it was sent, so it was most likely not created.${CHECK}`;
const listed = (videos: BlipixVideo[], rivals = '') =>
	`${videos.length} video(s) appeared on your account since it was sent, and none can be told apart as this item's${rivals}: ${videos
		.map((v) => `${v.id} ("${v.title ?? ''}", created ${String(v.createdAt)})`)
		.join('; ')}.${CHECK}`;
const RIVALS = ' (other creates on this key were unconfirmed too)';

describe('a Blipix create that got no answer adopts a video only when it is certain', () => {
	it('adopts the one new video, says so in the item and in a warning naming the video, the item and the lost answer', async () => {
		const account = new Account();
		const outcome = await account.create(noAnswer, [[video('mine')]], 3);
		expect(outcome).toEqual(adopted(video('mine')));
		expect(account.warnings).toEqual(['Blipix: adopted video mine for item 3 after "No answer from Blipix"']);
	});

	it('a video another create of this process was answered with is not a candidate, and that create is no rival', async () => {
		const account = new Account();
		expect(await account.create(answeredWith('theirs'))).toEqual({ video: { id: 'theirs', status: 'processing' } });
		expect(await account.lostCreate([video('mine'), video('theirs')])).toEqual(adopted(video('mine')));
	});

	it.each([
		[ID_CAPACITY, 'still claimed: the lost create adopts its own', adopted(video('mine'))],
		[ID_CAPACITY + 1, 'forgotten: two candidates', { error: expect.objectContaining({ description: listed([video('mine'), video('claimed-1')]) }) }],
	])('a key remembers the last %i ids its creates claimed; the oldest is %s', async (claims, _, expected) => {
		const account = new Account();
		// A claim is kept by count, not by age: one create every 11 minutes, each past any recovery's window by the next.
		for (let i = 1; i <= claims; i++) {
			now = SENT - (claims + 1 - i) * 11 * MINUTE;
			await account.create(answeredWith(`claimed-${i}`));
		}
		now = SENT;
		expect(await account.lostCreate([video('mine'), video('claimed-1')])).toEqual(expected);
	});

	it.each([
		[ID_CAPACITY, 'still remembered: the next lost create adopts its own', adopted(video('mine'))],
		[ID_CAPACITY + 1, 'forgotten: it is a candidate again', { error: expect.objectContaining({ description: listed([video('mine'), video('listed')]) }) }],
	])('a key remembers the last %i ids its recoveries listed; the oldest is %s', async (ids, _, expected) => {
		const account = new Account();
		// Listed first, then ids older than the window, then one more new video: two candidates, none adopted.
		const old = Array.from({ length: ids - 2 }, (__, i) => video(`old-${i}`, 10 * MINUTE));
		const first = await account.lostCreate([video('listed'), ...old, video('other')]);
		expect(first.error?.description).toBe(listed([video('listed'), video('other')]));
		expect(await account.lostCreate([video('mine'), video('listed')])).toEqual(expected);
	});

	it('a failure lists every candidate with its title (none shown as "") and when it was made', async () => {
		const account = new Account();
		const candidates = [video('mine'), video('untitled', 1000, { title: undefined })];
		const { error } = await account.lostCreate(candidates);
		expect(error?.message).toMatch(notAdopted);
		expect(error?.description).toBe(
			`2 video(s) appeared on your account since it was sent, and none can be told apart as this item's: mine ("title of mine", created 2025-03-01T12:00:00.000Z); untitled ("", created 2025-03-01T11:59:59.000Z).${CHECK}`,
		);
	});

	it.each([
		['made exactly a minute before the send (the clock difference allowed) is adopted', video('mine', MINUTE), true],
		['made a millisecond more than a minute before the send is not a candidate', video('mine', MINUTE + 1), false],
		['of the same aspect ratio is adopted', video('mine', 0, { aspectRatio: '9:16' }), true],
		['that does not say its aspect ratio is adopted', video('mine', 0, { aspectRatio: undefined }), true],
		['of another aspect ratio is not a candidate', video('mine', 0, { aspectRatio: '16:9' }), false],
	])('the only video listed, %s', async (_, listedVideo, isAdopted) => {
		const account = new Account();
		// Not a candidate: the recovery takes all three looks, and finds nothing new.
		const outcome = await account.lostCreate(...(isAdopted ? [[listedVideo]] : [[listedVideo], [listedVideo], [listedVideo]]));
		expect(outcome).toEqual(isAdopted ? adopted(listedVideo) : { error: expect.objectContaining({ description: NOTHING_NEW }) });
	});

	it.each([
		[1, []],
		[2, [[]]],
		[3, [[], []]],
	])('looks again 5 s and 15 s later while nothing new is listed, and stops at the look that shows it (look %i)', async (_, emptyLooks: Look[]) => {
		const account = new Account();
		expect(await account.lostCreate(...emptyLooks, [video('mine')])).toEqual(adopted(video('mine')));
		expect(waits.mock.calls.map(([apiMs]) => apiMs as number)).toEqual([0, 5_000, 15_000].slice(0, emptyLooks.length + 1));
	});

	it('when every look at the list failed, the failure says so, and that create stays a rival of the next one', async () => {
		const account = new Account();
		const failures = ['502 one', '502 two', 'socket hang up'].map((message) => new Error(message));
		const first = await account.lostCreate(...failures);
		expect(first.error?.message).toMatch(notAdopted);
		expect(first.error?.description).toBe(`Looking for the video on your account failed too (socket hang up).${CHECK}`);
		const next = await account.lostCreate([video('mine')]);
		expect(next.error?.description).toBe(listed([video('mine')], RIVALS));
	});

	it.each([
		['exactly two minutes', 2 * MINUTE, { error: expect.objectContaining({ description: listed([video('mine')], RIVALS) }) }],
		['two minutes and a millisecond', 2 * MINUTE + 1, adopted(video('mine'))],
	])('an unconfirmed create is a rival when sent at most two minutes (a window and the clock difference) before this one: %s', async (_, earlier, expected) => {
		const account = new Account();
		now = SENT - earlier;
		await account.lostCreate(new Error('down'), new Error('down'), new Error('down'));
		now = SENT;
		expect(await account.lostCreate([video('mine')])).toEqual(expected);
	});

	it('a create whose recovery found nothing before this one was sent is no rival', async () => {
		const account = new Account();
		expect((await account.lostCreate([], [], [])).error?.description).toBe(NOTHING_NEW);
		expect(await account.lostCreate([video('mine')])).toEqual(adopted(video('mine')));
	});

	it('two creates unanswered at once, one new video: neither adopts it, though the first gave up before the second looked', async () => {
		const account = new Account();
		let loseFirst = (): void => {};
		const firstLost = new Promise<void>((resolve) => (loseFirst = resolve));
		const first = account.create(async () => await firstLost.then(noAnswer), [[video('new')]]);
		// Once both were sent, the first answer is lost, and the second only after the first's recovery gave up.
		const second = account.create(async () => {
			loseFirst();
			return await first.then(noAnswer);
		}, [[video('new')]]);
		const outcomes = await Promise.all([first, second]);
		expect(outcomes.map(({ error }) => error?.description)).toEqual([listed([video('new')], RIVALS), listed([video('new')], RIVALS)]);
		expect(account.looksTaken).toBe(2);
	});
});
