/**
 * `bindings add|update|show` with the event, schedule and sign-in flags (issues 5 and 6), over the in-memory API:
 * what each flag sends, how update merges with the current settings, what `show` prints, and exit 2 for bad values.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { bindingViewSchema, type BindingView } from '../../src/bindings/binding-contract.ts';
import { connectTo, runCli } from './cli-harness.ts';
import { createInMemoryApi, NEXT_SCHEDULED, type InMemoryState } from './in-memory-api.ts';

const ADD = ['bindings', 'add', '--name', 'Acme', '--corp-id', 'dingacme', '--app-key', 'key', '--app-secret', 's3cret'];
const ID = '0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13';
const TOKEN = 'cbToken123';
const AES_KEY = 'a'.repeat(21) + 'B'.repeat(22);

let state: InMemoryState;
let connection: ReturnType<typeof connectTo>;

beforeEach(() => {
  const memory = createInMemoryApi();
  state = memory.state;
  connection = connectTo(memory.api);
});

async function run(args: string[]): Promise<BindingView> {
  const result = await runCli([...args, '--json'], { connect: connection.connect });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return bindingViewSchema.parse(result.json());
}

describe('bindings flags for events, schedules and sign-in', () => {
  it('add sends every setting; the view says the secrets are set and never shows them', async () => {
    const view = await run([
      ...ADD,
      '--event-mode', 'http', '--callback-token', TOKEN, '--aes-key', AES_KEY,
      '--schedule', 'daily:03:00,13:30', '--schedule-tz', 'Europe/Berlin',
      '--login', 'qr,workbench', '--outsiders', 'allow', '--provision-on-login', 'create',
    ]);
    expect(view.events).toEqual({ mode: 'http', callbackTokenSet: true, aesKeySet: true, requestUrl: expect.stringContaining('/callback/idp/dingtalk/orgapp/dingacme') as unknown, lastCheckUrlAt: null });
    expect(view.schedule).toEqual({ kind: 'daily', times: ['03:00', '13:30'], timezone: 'Europe/Berlin' });
    expect(view.nextScheduledAt).toBe(NEXT_SCHEDULED);
    expect(view.login).toEqual({ methods: ['qr', 'workbench'], outsiders: 'allow', provisionOnLogin: 'create' });
    expect(JSON.stringify(view)).not.toContain(TOKEN);
    expect(JSON.stringify(view)).not.toContain(AES_KEY);
  });

  it('each --schedule form, with the default time zone for cron and daily', async () => {
    expect((await run([...ADD, '--schedule', 'cron:0 3 * * 1-5'])).schedule).toEqual({ kind: 'cron', cron: '0 3 * * 1-5', timezone: 'Asia/Shanghai' });
    const id = [...state.bindings.keys()][0]!;
    expect((await run(['bindings', 'update', id, '--schedule', 'every:6h'])).schedule).toEqual({ kind: 'interval', hours: 6 });
    const off = await run(['bindings', 'update', id, '--schedule', 'off']);
    expect(off.schedule).toEqual({ kind: 'off' });
    expect(off.nextScheduledAt).toBeNull();
  });

  it('update merges: a lone --callback-token keeps the mode, a lone --schedule-tz keeps the times, --outsiders keeps the methods', async () => {
    const added = await run([...ADD, '--event-mode', 'stream', '--schedule', 'daily:03:00', '--login', 'qr']);
    const token = await run(['bindings', 'update', added.id, '--callback-token', TOKEN]);
    expect(token.events).toMatchObject({ mode: 'stream', callbackTokenSet: true, aesKeySet: false });
    const tz = await run(['bindings', 'update', added.id, '--schedule-tz', 'UTC']);
    expect(tz.schedule).toEqual({ kind: 'daily', times: ['03:00'], timezone: 'UTC' });
    const login = await run(['bindings', 'update', added.id, '--outsiders', 'allow']);
    expect(login.login).toEqual({ methods: ['qr'], outsiders: 'allow', provisionOnLogin: 'refuse' });
    const off = await run(['bindings', 'update', added.id, '--login', 'off']);
    expect(off.login.methods).toEqual([]);
  });

  it('show prints the Request URL to paste into DingTalk and the next scheduled time', async () => {
    const added = await run([...ADD, '--event-mode', 'http', '--callback-token', TOKEN, '--aes-key', AES_KEY, '--schedule', 'every:4h']);
    const show = await runCli(['bindings', 'show', added.id], { connect: connection.connect });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Request URL: +http:\/\/\S+\/callback\/idp\/dingtalk\/orgapp\/dingacme .*事件订阅/m);
    expect(show.stdout).toMatch(/^events: +http \(callback token set, AES key set; never shown\)$/m);
    expect(show.stdout).toMatch(/^schedule: +every 4 h, on the hour \(UTC\)$/m);
    expect(show.stdout).toContain(`nextScheduledAt: ${NEXT_SCHEDULED}`);
    expect(show.stdout).not.toContain(TOKEN);
    const plain = await run(['bindings', 'update', added.id, '--event-mode', 'off']);
    const again = await runCli(['bindings', 'show', plain.id], { connect: connection.connect });
    expect(again.stdout).not.toContain('Request URL');
  });

  const bad: [string[], RegExp][] = [
    [[...ADD, '--event-mode', 'webhook'], /--event-mode.*"http".*"stream".*"off"/],
    [[...ADD, '--callback-token', 'no spaces!'], /--callback-token.*3 to 32 letters or digits/],
    [[...ADD, '--aes-key', 'short'], /--aes-key.*43 letters or digits/],
    [[...ADD, '--schedule', 'hourly'], /--schedule.*"hourly" is not a schedule.*daily:HH:MM/],
    [[...ADD, '--schedule', 'cron:0 3 * *'], /--schedule.*4 fields, not 5/],
    [[...ADD, '--schedule', 'cron:0 25 * * *'], /--schedule.*not a cron expression/],
    [[...ADD, '--schedule', 'daily:3:00'], /--schedule.*"3:00" is not a time of day as HH:MM/],
    [[...ADD, '--schedule', 'every:25h'], /--schedule.*every:<N>h \(N from 1 to 24\)/],
    [[...ADD, '--schedule', 'every:6h', '--schedule-tz', 'UTC'], /--schedule-tz applies to cron: and daily:/],
    [[...ADD, '--schedule-tz', 'Mars/Olympus'], /--schedule-tz.*IANA time zone.*"Mars\/Olympus"/],
    [[...ADD, '--login', 'qr,sms'], /--login.*"off" or some of qr,workbench/],
    [[...ADD, '--outsiders', 'maybe'], /--outsiders.*"deny".*"allow"/],
    [[...ADD, '--provision-on-login', 'later'], /--provision-on-login.*"create".*"refuse"/],
    [['bindings', 'update', ID, '--schedule-tz', 'UTC'], /--schedule-tz needs a cron: or daily: schedule/],
  ];
  for (const [args, message] of bad) {
    it(`exits 2: ${args.slice(args.indexOf('--app-secret') + 2).join(' ') || args.join(' ')}`, async () => {
      if (args[1] === 'update') await run([...ADD]).then((view) => (args[2] = view.id));
      const result = await runCli(args, { connect: connection.connect });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    });
  }
});
