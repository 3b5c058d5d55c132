/**
 * `{{...}}` templates in scenario data: `{{appDir}}`, `{{workerId}}`, `{{requestId}}` (the
 * startup request id), `{{function}}` and `{{functionId}}` (the target function, its loaded
 * id), `{{id:NAME}}` (a fresh GUID, the same for every use of NAME in one scenario run).
 */
export interface TemplateScope {
  vars: Record<string, string>;
  ids: Map<string, string>;
  newGuid(): string;
}

export function expandText(text: string, scope: TemplateScope): string {
  return text.replace(/\{\{([a-zA-Z]+)(?::([a-zA-Z0-9_-]+))?\}\}/g, (whole, name: string, arg?: string) => {
    if (name === 'id' && arg) {
      let id = scope.ids.get(arg);
      if (id === undefined) scope.ids.set(arg, (id = scope.newGuid()));
      return id;
    }
    const v = scope.vars[name];
    if (v === undefined) throw new Error(`unknown template ${whole}`);
    return v;
  });
}

/** Expand every string inside a JSON value (keys too). */
export function expand<T>(value: T, scope: TemplateScope): T {
  if (typeof value === 'string') return expandText(value, scope) as T;
  if (Array.isArray(value)) return value.map((v) => expand(v, scope)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [expandText(k, scope), expand(v, scope)]),
    ) as T;
  return value;
}
