import { check } from './errors.js';

/**
 * A per-file GEM handle table (the kernel's IDR): handles start at 1 and allocation returns the
 * lowest free number, so closed handles are reused.
 */
export class HandleTable<T> {
  /** entries[h] is the object behind handle h; index 0 is never used */
  private readonly entries: (T | undefined)[] = [undefined];
  private lowestFree = 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  alloc(value: T): number {
    const handle = this.lowestFree;
    this.entries[handle] = value;
    this.count += 1;
    let next = handle + 1;
    while (next < this.entries.length && this.entries[next] !== undefined) next += 1;
    this.lowestFree = next;
    return handle;
  }

  get(handle: number): T | undefined {
    return Number.isInteger(handle) && handle > 0 ? this.entries[handle] : undefined;
  }

  /** Frees `handle` and returns its object; EINVAL for an unknown handle. */
  remove(handle: number): T {
    const value = this.get(handle);
    check(value !== undefined, 'EINVAL', `no such handle: ${handle}`);
    this.entries[handle] = undefined;
    this.count -= 1;
    if (handle < this.lowestFree) this.lowestFree = handle;
    while (this.entries.length > 1 && this.entries[this.entries.length - 1] === undefined) this.entries.pop();
    return value;
  }

  /** [handle, object] pairs in ascending handle order. */
  *[Symbol.iterator](): IterableIterator<[number, T]> {
    for (let h = 1; h < this.entries.length; h++) {
      const v = this.entries[h];
      if (v !== undefined) yield [h, v];
    }
  }
}
