import { CommandError } from "../protocol.ts";
import type { Bytes } from "./reply.ts";
import { SortedSet } from "./sorted-set.ts";

export type RedisValue =
  | { type: "string"; value: Bytes }
  | { type: "hash"; value: Map<Bytes, Bytes> }
  | { type: "set"; value: Set<Bytes> }
  | { type: "zset"; value: SortedSet }
  | { type: "list"; value: Bytes[] };

export type ValueType = RedisValue["type"];
type ValueOf<T extends ValueType> = Extract<RedisValue, { type: T }>["value"];

interface Entry {
  data: RedisValue;
  /** Absolute unix time in ms; undefined means no TTL. */
  expiresAt: number | undefined;
  /** Creation order, so SCAN can resume after keys are added or deleted. */
  sequence: number;
}

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

const EMPTY_CONTAINER: { [T in Exclude<ValueType, "string">]: () => ValueOf<T> } = {
  hash: () => new Map(),
  set: () => new Set(),
  zset: () => new SortedSet(),
  list: () => [],
};

/**
 * The database: keys with lazy expiry (a key past its deadline is deleted when touched), typed
 * access that throws WRONGTYPE like Redis, and removal of containers that become empty.
 */
export class Keyspace {
  private readonly entries = new Map<Bytes, Entry>();
  private nextSequence = 1;
  private frozenNow: number | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  now(): number {
    return this.frozenNow ?? this.clock();
  }

  /** Redis evaluates expiry against one instant for a whole script or transaction. */
  withFrozenClock<T>(work: () => T): T {
    if (this.frozenNow !== undefined) return work();
    this.frozenNow = this.clock();
    try {
      return work();
    } finally {
      this.frozenNow = undefined;
    }
  }

  lookup(key: Bytes): RedisValue | undefined {
    return this.liveEntry(key)?.data;
  }

  read<T extends ValueType>(key: Bytes, type: T): ValueOf<T> | undefined {
    const data = this.lookup(key);
    if (data === undefined) return undefined;
    if (data.type !== type) throw new CommandError(WRONGTYPE);
    return data.value as ValueOf<T> | undefined;
  }

  /** The container at key, created empty when missing; callers must `dropIfEmpty` afterwards. */
  write<T extends Exclude<ValueType, "string">>(key: Bytes, type: T): ValueOf<T> {
    const existing = this.read(key, type);
    if (existing !== undefined) return existing;
    const value = EMPTY_CONTAINER[type]();
    this.insert(key, { type, value } as RedisValue, undefined);
    return value as ValueOf<T>;
  }

  /** Replaces the value; the TTL is dropped unless keepTtl (SET KEEPTTL). */
  store(key: Bytes, data: RedisValue, options: { keepTtl?: boolean } = {}): void {
    const existing = this.liveEntry(key);
    if (existing) {
      existing.data = data;
      if (!options.keepTtl) existing.expiresAt = undefined;
      return;
    }
    this.insert(key, data, undefined);
  }

  /** Updates a string in place, keeping its TTL (INCR, APPEND). */
  updateString(key: Bytes, value: Bytes): void {
    this.store(key, { type: "string", value }, { keepTtl: true });
  }

  dropIfEmpty(key: Bytes): void {
    const data = this.entries.get(key)?.data;
    if (data !== undefined && containerSize(data) === 0) this.entries.delete(key);
  }

  delete(key: Bytes): boolean {
    return this.liveEntry(key) !== undefined && this.entries.delete(key);
  }

  exists(key: Bytes): boolean {
    return this.liveEntry(key) !== undefined;
  }

  expiresAt(key: Bytes): number | undefined {
    return this.liveEntry(key)?.expiresAt;
  }

  /** Sets or clears the deadline of an existing key; a deadline already past deletes it. */
  setExpiry(key: Bytes, expiresAt: number | undefined): boolean {
    const entry = this.liveEntry(key);
    if (!entry) return false;
    if (expiresAt !== undefined && expiresAt <= this.now()) {
      this.entries.delete(key);
      return true;
    }
    entry.expiresAt = expiresAt;
    return true;
  }

  *liveKeys(): Generator<{ key: Bytes; sequence: number; type: ValueType }> {
    for (const [key, entry] of this.entries) {
      if (this.isExpired(entry)) continue;
      yield { key, sequence: entry.sequence, type: entry.data.type };
    }
  }

  size(): number {
    this.removeExpired();
    return this.entries.size;
  }

  flush(): void {
    this.entries.clear();
  }

  removeExpired(): void {
    for (const [key, entry] of this.entries) {
      if (this.isExpired(entry)) this.entries.delete(key);
    }
  }

  private insert(key: Bytes, data: RedisValue, expiresAt: number | undefined): void {
    this.entries.set(key, { data, expiresAt, sequence: this.nextSequence++ });
  }

  private liveEntry(key: Bytes): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (!this.isExpired(entry)) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private isExpired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= this.now();
  }
}

function containerSize(data: RedisValue): number {
  switch (data.type) {
    case "string":
      return 1;
    case "list":
      return data.value.length;
    default:
      return data.value.size;
  }
}
