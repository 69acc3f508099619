import { RouterError } from '../core/index.js';
import { parseCatalog, type Catalog } from './catalog.js';
import type { CatalogModel } from './schema.js';

/** Run-time changes an operator made on top of the catalog file. */
export interface CatalogOverrides {
  /** Added or replaced entries. */
  readonly upserts: readonly CatalogModel[];
}

/**
 * The catalog in force: the file's entries plus run-time overrides. Every change is validated as a
 * whole catalog (schema, duplicate ids and aliases) before it replaces the current one, so a bad
 * update leaves the service on the previous catalog.
 */
export class CatalogRegistry {
  private base: Catalog;
  private upserts: CatalogModel[];
  private catalog: Catalog;

  constructor(base: Catalog, overrides: CatalogOverrides = { upserts: [] }) {
    this.base = base;
    this.upserts = [...overrides.upserts];
    this.catalog = this.compose(this.upserts);
  }

  /** The catalog in force. */
  current(): Catalog {
    return this.catalog;
  }

  /** The overrides to persist. */
  overrides(): CatalogOverrides {
    return { upserts: [...this.upserts] };
  }

  /** Add or replace a model; returns the entry and whether it was new. */
  upsert(model: CatalogModel): { model: CatalogModel; created: boolean } {
    const created = !this.catalog.models.some((entry) => entry.id === model.id);
    const upserts = [...this.upserts.filter((entry) => entry.id !== model.id), model];
    this.catalog = this.compose(upserts);
    this.upserts = upserts;
    return { model: this.catalog.get(model.id) as CatalogModel, created };
  }

  /** Disable or re-enable a model (MODEL_UNKNOWN if absent). */
  setDisabled(id: string, disabled: boolean): CatalogModel {
    const existing = this.catalog.get(id);
    if (existing === undefined) {
      throw new RouterError('MODEL_UNKNOWN', `no catalog model ${id}`, { details: { model: id } });
    }
    return this.upsert({ ...structuredClone(existing), disabled }).model;
  }

  private compose(upserts: readonly CatalogModel[]): Catalog {
    const byId = new Map(this.base.models.map((model) => [model.id, model]));
    for (const model of upserts) byId.set(model.id, model);
    return parseCatalog(
      { version: 1, models: [...byId.values()] },
      `${this.base.source} + run-time overrides`,
    );
  }
}
