/**
 * Turns every change of the organization into the address-book event DingTalk would send (§8.1, §8.2) and hands it
 * to each receiver: an app's own subscription in its event mode (HTTP push with owner key = AppKey, or Stream), and
 * the enterprise-level subscriptions of `register_call_back` (owner key = corpId, one per registering app, only its
 * `call_back_tag`s) (§7.1, §7.3).
 *
 * Every app has an event mode, as in DingTalk's developer console: `none` (the default: nothing is pushed),
 * `http` (request URL, token, aes_key) or `stream`. All apps of the organization are internal apps and receive the
 * events of the whole organization (scope filtering of events is UNCONFIRMED and not emulated).
 *
 * @example
 * const hub = new EventHub({ clock, corpId, org, apps });
 * hub.attach({ http: pusher, stream: gateway });
 * hub.configure(appKey, { mode: 'stream', eventTypes: undefined });
 */
import type { Clock } from '../core/index.ts';
import type { AppRegistry } from './app-registry.ts';
import { CallbackFailedList } from './callback-failed-list.ts';
import { EventLog, newDelivery, type Delivery } from './event-log.ts';
import { newAddressBookEvent, type AddressBookEvent, type EventFormat } from './event-payload.ts';
import type { PushOutcome } from './http-push-request.ts';
import type { OrgStore } from './org-store.ts';
import type { OrgChange } from './org-types.ts';

/** Where and how one subscription's pushes go (§7.1). */
export interface HttpSubscription {
  /** `app:<appKey>` (the app's own, console-style) or `corp:<appKey>` (`register_call_back` with that app's token). */
  readonly id: string;
  readonly kind: 'app' | 'corp';
  /** The app it belongs to, whose failed list gets its failures. */
  readonly appKey: string;
  /** §7.3: the AppKey for an app's own subscription, the corpId for `register_call_back`. */
  readonly ownerKey: string;
  readonly url: string;
  readonly token: string;
  readonly aesKey: string;
  /** Only these event types; undefined = all address-book events. */
  readonly eventTypes: ReadonlySet<string> | undefined;
  readonly format: EventFormat;
}

export type AppEventConfig =
  | { mode: 'none' }
  | { mode: 'stream'; eventTypes: ReadonlySet<string> | undefined }
  | { mode: 'http'; subscription: HttpSubscription };

export interface HttpSink {
  /** §7.5: sends `check_url` and checks the reply. */
  checkUrl(subscription: HttpSubscription): Promise<PushOutcome>;
  push(subscription: HttpSubscription, event: AddressBookEvent, delivery: Delivery): void;
  /** Stops the retries of one subscription (it was replaced or deleted), or of all. */
  cancel(subscriptionId?: string): void;
}

export interface StreamSink {
  deliver(appKey: string, event: AddressBookEvent, delivery: Delivery): void;
  /** Drops what waits for delivery, of one app or of all (mode change, reset). */
  cancel(appKey?: string): void;
  connectionCount(appKey: string): number;
  /** Sends SYSTEM `disconnect` to the app's connections now (§9.3); returns how many. */
  disconnectAll(appKey: string): number;
}

export class EventHub {
  readonly log = new EventLog();
  readonly failed = new CallbackFailedList();
  readonly #clock: Clock;
  readonly #corpId: string;
  readonly #apps: AppRegistry;
  readonly #configs = new Map<string, AppEventConfig>();
  readonly #initial = new Map<string, AppEventConfig>();
  readonly #registrations = new Map<string, HttpSubscription>();
  #http: HttpSink | undefined;
  #stream: StreamSink | undefined;
  #closed = false;

  constructor(deps: { clock: Clock; corpId: string; org: OrgStore; apps: AppRegistry }) {
    this.#clock = deps.clock;
    this.#corpId = deps.corpId;
    this.#apps = deps.apps;
    deps.org.onChange((change) => this.#emit(change));
  }

  get corpId(): string {
    return this.#corpId;
  }

  attach(sinks: { http?: HttpSink; stream?: StreamSink }): void {
    this.#http = sinks.http ?? this.#http;
    this.#stream = sinks.stream ?? this.#stream;
  }

  /** The app's event mode (`none` unless configured). */
  configOf(appKey: string): AppEventConfig {
    return this.#configs.get(appKey) ?? { mode: 'none' };
  }

  /** Sets the app's event mode; an HTTP subscription must have passed its check_url already (§7.5). */
  configure(appKey: string, config: AppEventConfig): void {
    // What the old mode still had to send is dropped (DingTalk's behaviour here is UNCONFIRMED).
    this.#http?.cancel(`app:${appKey}`);
    if (config.mode !== 'stream') this.#stream?.cancel(appKey);
    this.#configs.set(appKey, config);
  }

  /** Start-time configuration (emulator options); a reset returns to it. */
  configureInitially(appKey: string, config: AppEventConfig): void {
    this.#initial.set(appKey, config);
    this.#configs.set(appKey, config);
  }

  /** §7.5 check_url through the HTTP sender; a failure when there is none (not attached yet). */
  checkUrl(subscription: HttpSubscription): Promise<PushOutcome> {
    return this.#http ? this.#http.checkUrl(subscription) : Promise.resolve({ ok: false, kind: 'transport', reason: 'HTTP push is not running' });
  }

  /** Live Stream connections of the app. */
  streamConnections(appKey: string): number {
    return this.#stream?.connectionCount(appKey) ?? 0;
  }

  disconnectStream(appKey: string): number {
    return this.#stream?.disconnectAll(appKey) ?? 0;
  }

  /**
   * The enterprise-level subscription `register_call_back` made with this app's token (§7.1), if any. One per app:
   * registering again is 71006 (the callback address already exists) whatever the token and aes_key.
   */
  registrationOf(appKey: string): HttpSubscription | undefined {
    return this.#registrations.get(appKey);
  }

  setRegistration(appKey: string, subscription: HttpSubscription | undefined): void {
    this.#http?.cancel(`corp:${appKey}`);
    if (subscription) this.#registrations.set(appKey, subscription);
    else this.#registrations.delete(appKey);
  }

  /** Back to the start: initial event modes, no registrations, empty log and failed list, nothing waiting. */
  reset(): void {
    this.#http?.cancel();
    this.#stream?.cancel();
    this.#configs.clear();
    for (const [appKey, config] of this.#initial) this.#configs.set(appKey, config);
    this.#registrations.clear();
    this.log.clear();
    this.failed.clear();
  }

  /** No event is emitted after this (the emulator is closing). */
  close(): void {
    this.#closed = true;
  }

  #emit(change: OrgChange): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    const event = newAddressBookEvent(change, this.#corpId, now);
    const entry = this.log.add(event);
    const accepts = (types: ReadonlySet<string> | undefined): boolean => types === undefined || types.has(event.type);
    for (const app of this.#apps.list()) {
      const config = this.configOf(app.appKey);
      if (config.mode === 'http' && this.#http && accepts(config.subscription.eventTypes)) {
        const delivery = newDelivery(`http:${config.subscription.id}`, 'http', app.appKey, now);
        entry.deliveries.push(delivery);
        this.#http.push(config.subscription, event, delivery);
      } else if (config.mode === 'stream' && this.#stream && accepts(config.eventTypes)) {
        const delivery = newDelivery(`stream:${app.appKey}`, 'stream', app.appKey, now);
        entry.deliveries.push(delivery);
        this.#stream.deliver(app.appKey, event, delivery);
      }
    }
    for (const registration of this.#registrations.values()) {
      if (!this.#http || !accepts(registration.eventTypes)) continue;
      const delivery = newDelivery(`http:${registration.id}`, 'http', registration.appKey, now);
      entry.deliveries.push(delivery);
      this.#http.push(registration, event, delivery);
    }
  }
}
