// Components a function may link, under the names the services' links.ts use (their SST names,
// as Resource sees them). A function links through `linksOf(links)`, so code and infra name the
// same resources; infra.test.ts checks each function links exactly those.
import type { Links } from "../functions/platform/linked-config.js";

const linkables = new Map<string, unknown>();

/** Declares a component others may link by `name` (its SST name, as Resource sees it). */
export function linkable<T>(name: string, create: (name: string) => T): T {
  const component = create(name);
  linkables.set(name, component);
  return component;
}

/** The components behind a service's links, each once. */
export function linksOf(links: Links): unknown[] {
  const names = [...new Set(Object.values(links).map((link) => link.resource))];
  return names.map((name) => {
    const component = linkables.get(name);
    if (component === undefined) {
      throw new Error(`"${name}" is linked in code but not declared (yet) in infra`);
    }
    return component;
  });
}

/** A service's name as the first word of its components' names: "catalog" → "Catalog". */
export const componentPrefix = (service: string) =>
  service.charAt(0).toUpperCase() + service.slice(1);
