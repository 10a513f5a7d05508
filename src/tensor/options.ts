// Checks shared by every options object of the public API: unknown keys are refused (a typo, or
// PyTorch's snake_case spelling, would otherwise be ignored silently), and booleans must be booleans
// (the string 'false' is truthy).

const camelCase = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Refuses `options` when it is not a plain object, or when it has a key outside `allowed`, naming the
 * key and, for PyTorch's snake_case spelling of an allowed option, the camelCase name to use.
 */
export function checkOptionKeys(options: unknown, allowed: readonly string[], op: string): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options))
    throw new Error(`${op}: options=${String(options)} must be an object of options`);
  for (const [key, value] of Object.entries(options)) {
    // A key set to undefined says nothing ({ generator: maybeOne }), as if left out.
    if (allowed.includes(key) || value === undefined) continue;
    const camel = camelCase(key);
    if (camel !== key && allowed.includes(camel))
      throw new Error(`${op}: unknown option '${key}'; PyTorch's ${key} is spelled '${camel}' here`);
    throw new Error(`${op}: unknown option '${key}'; expected one of ${allowed.join(', ')}`);
  }
}

/** A boolean option, or its default when left out; refuses anything else ('false', 0, 1). */
export function checkBoolean(value: unknown, name: string, op: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${op}: ${name}=${JSON.stringify(value) ?? String(value)} must be a boolean`);
  return value;
}
