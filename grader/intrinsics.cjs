// Locking JavaScript's built-ins (and the fs binding the verdict is written through) before student code runs.
// Loaded by judge.cjs inside the kernel, at install, before any student cell: everything here is captured then.
"use strict";

const { ownKeys: ReflectOwnKeys } = Reflect;
const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, hasOwn } = Object;
const StringOf = String;
const TypeErrorCtor = TypeError;

/** The standard built-ins a test may name; a test gets these, not what a student cell put in their place. */
const INTRINSIC_NAMES = [
  "Object",
  "Function",
  "Array",
  "Number",
  "Boolean",
  "String",
  "Symbol",
  "BigInt",
  "Math",
  "JSON",
  "Reflect",
  "Promise",
  "RegExp",
  "Date",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Atomics",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Proxy",
  "parseInt",
  "parseFloat",
  "isNaN",
  "isFinite",
  "encodeURIComponent",
  "decodeURIComponent",
  "undefined",
  "NaN",
  "Infinity",
];

/** Every typed-array constructor: each is a namespace to lock, and so is its prototype. */
const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/**
 * Objects whose properties are locked: constructors and namespaces (their properties become read-only)
 * and prototypes (their methods become accessors that refuse a write on the prototype itself but let an
 * inheriting object take its own property, so ordinary code that assigns `this.name` or `obj.toString`
 * keeps working). Error and its prototype are left alone (Error.prepareStackTrace is legitimately set).
 */
function intrinsicsToLock() {
  const typedArray = getPrototypeOf(Int8Array);
  const iteratorProto = getPrototypeOf(getPrototypeOf([][Symbol.iterator]()));
  const namespaces = [
    Object,
    Function,
    Array,
    Number,
    Boolean,
    String,
    Symbol,
    BigInt,
    Math,
    JSON,
    Reflect,
    Promise,
    RegExp,
    Date,
    Map,
    Set,
    WeakMap,
    WeakSet,
    ArrayBuffer,
    SharedArrayBuffer,
    DataView,
    Atomics,
    typedArray,
    ...TYPED_ARRAYS,
  ];
  const prototypes = [
    Object.prototype,
    Function.prototype,
    Array.prototype,
    Number.prototype,
    Boolean.prototype,
    String.prototype,
    Symbol.prototype,
    BigInt.prototype,
    Promise.prototype,
    RegExp.prototype,
    Date.prototype,
    Map.prototype,
    Set.prototype,
    WeakMap.prototype,
    WeakSet.prototype,
    ArrayBuffer.prototype,
    SharedArrayBuffer.prototype,
    DataView.prototype,
    typedArray.prototype,
    iteratorProto,
    getPrototypeOf([][Symbol.iterator]()),
    getPrototypeOf(""[Symbol.iterator]()),
    getPrototypeOf(new Map()[Symbol.iterator]()),
    getPrototypeOf(new Set()[Symbol.iterator]()),
    getPrototypeOf(async function () {}),
    getPrototypeOf(function* () {}),
    getPrototypeOf(async function* () {}),
  ];
  for (const T of TYPED_ARRAYS) prototypes.push(T.prototype);
  return { namespaces, prototypes };
}

/**
 * @param {object} obj
 * @param {string | symbol} key
 * @param {boolean} overridable whether an object that inherits the property may take its own
 */
function lockProperty(obj, key, overridable) {
  const desc = getOwnPropertyDescriptor(obj, key);
  if (!desc || !desc.configurable) return;
  if ("value" in desc && desc.writable && overridable) {
    const value = desc.value;
    defineProperty(obj, key, {
      get() {
        return value;
      },
      /** @this {object} @param {unknown} v */
      set(v) {
        // Writing on the built-in itself is the trick; writing on an object that inherits it is ordinary code.
        if (this === obj) throw new TypeErrorCtor(`Cannot change ${StringOf(key)} of a built-in while grading`);
        defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
      },
      enumerable: desc.enumerable,
      configurable: false,
    });
  } else if ("value" in desc) {
    defineProperty(obj, key, { value: desc.value, writable: false, enumerable: desc.enumerable, configurable: false });
  } else {
    defineProperty(obj, key, { get: desc.get, set: desc.set, enumerable: desc.enumerable, configurable: false });
  }
}

/** Locks the built-ins, and the global names that lead to them. */
function lockIntrinsics() {
  const { namespaces, prototypes } = intrinsicsToLock();
  for (const obj of prototypes) {
    for (const key of ReflectOwnKeys(obj)) if (key !== "__proto__") lockProperty(obj, key, true);
    Object.preventExtensions(obj);
  }
  for (const obj of namespaces) {
    for (const key of ReflectOwnKeys(obj)) lockProperty(obj, key, false);
    Object.preventExtensions(obj);
  }
  for (const name of INTRINSIC_NAMES) lockProperty(globalThis, name, false);
  // The fs binding's write functions: the verdict goes through them (a patched one would see the secret).
  // process.binding is deprecated and left out of @types/node, but it is the binding fs itself calls.
  const binding = /** @type {{ binding(name: string): object }} */ (/** @type {unknown} */ (process)).binding("fs");
  for (const key of ["writeBuffer", "writeString", "writeBuffers", "open", "close"])
    if (hasOwn(binding, key)) lockProperty(binding, key, false);
}

module.exports = { INTRINSIC_NAMES, lockProperty, lockIntrinsics };
