// Proxies: what a process (or thread) holds of an object living in the manager. Every method call is
// a remote procedure call; a proxy travels to other processes and threads as its address.
import { defineSharable, SHARABLE, type SharableKind, type SharedState } from "../core/shared-object";
import { RaceLabError } from "../core/errors";
import { callRemote, type ProxyAddress } from "./client";
import { ManagedLock, ManagedObject, ManagedQueue, ManagedSemaphore } from "./managed";

/**
 * A proxy's type: every method of `T`, returning a Promise (each call is a remote procedure call).
 * Fields are not reachable through a proxy (as with Python's proxies): add a method that returns them.
 */
export type Remote<T> = {
  [K in keyof T as T[K] extends (...args: any[]) => any ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/** @internal A proxy of an object made by `manager.create(Class)`: every method is a remote call. */
export function objectProxy<T>(address: ProxyAddress): Remote<T> {
  const describe = `<proxy of ${address.className} #${address.objectId} in the manager>`;
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null), {
    get(_target, property) {
      if (property === SHARABLE) return { ...proxyKind, encode: () => ({ ...address }) };
      if (property === inspectSymbol) return () => describe;
      if (property === Symbol.toPrimitive) return () => describe;
      if (typeof property === "symbol") return undefined;
      // `await manager.create(…)` resolves the proxy: it must not look like a promise itself.
      if (property === "then") return undefined;
      if (property === "toString") return () => describe;
      if (property === "toJSON") return () => ({ proxyOf: address.className, objectId: address.objectId });
      let method = methods.get(property);
      if (!method) {
        method = (...args: unknown[]) => callRemote(address, property, args);
        methods.set(property, method);
      }
      return method;
    },
    set(_target, property) {
      throw new RaceLabError(
        `Cannot set ${String(property)} on a proxy of ${address.className}: the object lives in the manager's process. ` +
          `Add a method that sets it, and call that (Python's proxies work the same way).`,
      );
    },
    has(_target, property) {
      return property === SHARABLE;
    },
  }) as Remote<T>;
}

/**
 * @internal Rebuilds a proxy from its travelling state (in a child process, a worker thread, or the
 * server itself, which replaces its own objects' states by the objects).
 */
export function reviveManagerProxy(state: SharedState): unknown {
  const address: ProxyAddress = {
    socketPath: state.socketPath as string,
    objectId: state.objectId as number,
    kind: state.kind as ProxyAddress["kind"],
    className: state.className as string,
    timeoutMs: state.timeoutMs as number,
  };
  switch (address.kind) {
    case "Queue":
      return new ManagedQueue(address);
    case "Lock":
      return new ManagedLock(address);
    case "Semaphore":
      return new ManagedSemaphore(address);
    default:
      return objectProxy(address);
  }
}

// Every proxy, of the manager's own objects or made by manager.create, travels to threads and
// processes as its address; the other side connects its own client.
const proxyKind: SharableKind = { name: "ManagerProxy", module: __filename, toProcesses: true, decode: reviveManagerProxy };
defineSharable(ManagedObject, { ...proxyKind, encode: (object) => ({ ...(object as unknown as { address: ProxyAddress }).address }) });
