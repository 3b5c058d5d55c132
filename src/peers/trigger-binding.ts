import { BINDING_DIRECTION, type RpcFunctionMetadata } from './messages.js';

/** The binding name a host uses when the metadata names no trigger (functape's own worker's). */
export const DEFAULT_TRIGGER_BINDING = 'req';

const isTrigger = (type: string | undefined) => typeof type === 'string' && /trigger$/i.test(type);

/**
 * The name of a function's trigger binding, as a host reads it from the function's
 * metadata (FunctionMetadataResponse or FunctionLoadRequest): the input binding whose type
 * ends in `Trigger` in `bindings`, else in the JSON of `raw_bindings`, else `req`. The
 * host puts the trigger's data under this name in every InvocationRequest; a worker looks
 * its inputs up by it (a real one fails with `Failed to find binding "<name>"`).
 */
export function triggerBindingName(metadata: Pick<RpcFunctionMetadata, 'bindings' | 'rawBindings'>): string {
  for (const [name, b] of Object.entries(metadata.bindings ?? {})) {
    if (b.direction !== BINDING_DIRECTION.out && isTrigger(b.type)) return name;
  }
  for (const raw of metadata.rawBindings ?? []) {
    try {
      const b = JSON.parse(raw) as { name?: unknown; type?: unknown; direction?: unknown };
      if (
        typeof b.name === 'string' &&
        b.name &&
        b.direction !== 'out' &&
        isTrigger(typeof b.type === 'string' ? b.type : undefined)
      )
        return b.name;
    } catch {
      // A raw binding that is not JSON names nothing.
    }
  }
  return DEFAULT_TRIGGER_BINDING;
}
