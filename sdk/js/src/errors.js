// Plugin errors: throw a `PluginError` anywhere; `handler` turns it (and any other
// exception) into the WIT `plugin-error` the host shows to users.

export const KINDS = [
  'invalid-input',
  'not-found',
  'denied',
  'unavailable',
  'rate-limited',
  'timeout',
  'internal',
];

/** An error with a kind the host understands; `message` is shown to users. */
export class PluginError extends Error {
  constructor(kind, message) {
    if (!KINDS.includes(kind)) {
      throw new TypeError(`unknown error kind ${JSON.stringify(kind)}; use one of ${KINDS.join(', ')}`);
    }
    super(`${kind}: ${message}`);
    this.kind = kind;
    this.detail = message;
    // componentize-js returns a thrown value's `payload` as the `err` of a result.
    Object.defineProperty(this, 'payload', { value: { kind, message }, enumerable: false });
  }

  static invalidInput(message) { return new PluginError('invalid-input', message); }
  static notFound(message) { return new PluginError('not-found', message); }
  static denied(message) { return new PluginError('denied', message); }
  static unavailable(message) { return new PluginError('unavailable', message); }
  static rateLimited(message) { return new PluginError('rate-limited', message); }
  static timeout(message) { return new PluginError('timeout', message); }
  static internal(message) { return new PluginError('internal', message); }
}

/** The `plugin-error` an import threw (componentize-js puts it in `payload`), as a PluginError. */
export function fromImport(err) {
  const payload = err && err.payload;
  if (payload && KINDS.includes(payload.kind)) {
    return new PluginError(payload.kind, payload.message);
  }
  return err instanceof PluginError ? err : PluginError.internal(String(err && err.message || err));
}

/** Calls a host import, throwing its `plugin-error` as a PluginError. */
export function callImport(fn, ...args) {
  try {
    return fn(...args);
  } catch (err) {
    throw fromImport(err);
  }
}

/**
 * Wraps an exported function returning `result<_, plugin-error>` (sync or async): a thrown
 * PluginError becomes the error result; any other exception becomes an `internal` error
 * with its message (and its stack on stderr, which the host logs) instead of a trap.
 */
export function handler(fn) {
  const convert = (err) => {
    if (err instanceof PluginError) return err;
    console.error(err && err.stack ? err.stack : String(err));
    return PluginError.internal(`${err && err.name ? err.name : 'Error'}: ${err && err.message ? err.message : String(err)}`);
  };
  return function wrapped(...args) {
    try {
      const out = fn.apply(this, args);
      return out && typeof out.then === 'function' ? out.catch((err) => { throw convert(err); }) : out;
    } catch (err) {
      throw convert(err);
    }
  };
}
