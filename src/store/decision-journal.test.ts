import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRng } from '../core/index.js';
import { decisionFixture } from './__fixtures__/records.js';
import {
  decodeJournalLine,
  encodeJournalLine,
  openDecisionJournal,
  readJournal,
} from './decision-journal.js';
import { storedForm } from './decision-codec.js';
import type { DecisionRecord } from './decision-repo.js';
import { openStore } from './store.js';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-journal-'));
  dirs.push(dir);
  return join(dir, 'arbiter.duckdb');
}
const journalFiles = (dbPath: string): string[] =>
  readdirSync(join(dbPath, '..')).filter((name) => name.includes('.decisions.'));

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function decision(id: string, seed = 1) {
  const embedding = new Float32Array(512);
  for (let i = 0; i < embedding.length; i++) embedding[i] = Math.sin(i * seed) / 7;
  return decisionFixture({
    id,
    embedding,
    features: { policy_features: [0.1234, -0.5, 1e-4], promptTokens: 7, nested: { a: [1, 2] } },
  });
}

describe('decision journal lines', () => {
  it('round-trips a record, typed arrays bit for bit', () => {
    const record = decisionFixture({
      id: 'd-typed',
      embedding: Float32Array.from([0.1, -0.25, 1 / 3, 1e-7, -0, Number.MIN_VALUE]),
      features: { vector: Float64Array.from([Math.PI, -1e-300]), plain: [1, 2], text: 'x' },
    });
    const line = encodeJournalLine(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const back = decodeJournalLine(line);
    expect(back).toEqual(record);
    expect(back.embedding).toBeInstanceOf(Float32Array);
    expect((back.features as { vector: Float64Array }).vector).toBeInstanceOf(Float64Array);
  });

  it('refuses a torn line and a line that is not a decision', () => {
    const line = encodeJournalLine(decision('d-torn'));
    expect(() => decodeJournalLine(line.slice(0, line.length / 2))).toThrow();
    expect(() => decodeJournalLine('{"hello":1}')).toThrow('not a decision record');
  });
});

describe('decision journal', () => {
  it('deletes a segment once every decision in it is in the table', async () => {
    const dbPath = tempDb();
    const store = await openStore({ path: dbPath, flushIntervalMs: 0 });
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `d-${i}`);
      await Promise.all(ids.map((id, i) => store.decisions.persist(decision(id, i + 1))));
      expect(journalFiles(dbPath)).toHaveLength(1);
      await store.decisions.flush();
      await vi.waitFor(() => expect(journalFiles(dbPath)).toEqual([]));
      const listed = await store.decisions.list();
      expect(listed.map((d) => d.id).sort()).toEqual([...ids].sort());
    } finally {
      await store.close();
    }
  });

  it('rotates segments by size and keeps a segment until its decisions are stored', async () => {
    const dbPath = tempDb();
    const journal = openDecisionJournal({ dbPath, segmentBytes: 1 });
    const [a, b, c] = [decision('a'), decision('b'), decision('c')];
    await journal.append(a);
    await journal.append(b);
    await journal.append(c);
    expect(journalFiles(dbPath).sort()).toEqual([
      'arbiter.duckdb.decisions.0.jsonl',
      'arbiter.duckdb.decisions.1.jsonl',
      'arbiter.duckdb.decisions.2.jsonl',
    ]);
    journal.stored([a, c]);
    await vi.waitFor(() =>
      expect(journalFiles(dbPath)).toEqual(['arbiter.duckdb.decisions.1.jsonl']),
    );
    expect(readJournal(dbPath).records.map((r) => r.id)).toEqual(['b']);
    journal.stored([b]);
    await journal.close();
    await vi.waitFor(() => expect(journalFiles(dbPath)).toEqual([]));
  });

  it('keeps every written decision that is not stored yet on disk, whatever the order (randomised)', async () => {
    const dbPath = tempDb();
    // Small segments, so rotation, retiring during a write and deletion all happen many times.
    const journal = openDecisionJournal({ dbPath, segmentBytes: 12_000 });
    const rng = createRng(11);
    const acknowledged: DecisionRecord[] = [];
    const stored = new Set<string>();
    for (let round = 0; round < 25; round++) {
      const burst = Array.from({ length: 1 + Math.floor(rng.next() * 12) }, (_, i) =>
        decision(`r${round}-${i}`, round * 13 + i + 1),
      );
      const writes = burst.map(async (record) => {
        await journal.append(record);
        acknowledged.push(record);
      });
      // The table stores some decisions before, some while and some after their journal write.
      const early = burst.filter(() => rng.next() < 0.2);
      journal.stored(early);
      for (const record of early) stored.add(record.id);
      await Promise.all(writes);
      const late = acknowledged.filter((r) => !stored.has(r.id) && rng.next() < 0.5);
      journal.stored(late);
      for (const record of late) stored.add(record.id);
      // The invariant: an acknowledged decision not yet in the table is in the journal files.
      const onDisk = new Set(readJournal(dbPath).records.map((r) => r.id));
      const lost = acknowledged.filter((r) => !stored.has(r.id) && !onDisk.has(r.id));
      expect(lost.map((r) => r.id)).toEqual([]);
    }
    journal.stored(acknowledged.filter((r) => !stored.has(r.id)));
    await journal.close();
    await vi.waitFor(() => expect(journalFiles(dbPath)).toEqual([]));
  });

  it('counts a decision stored before its journal write returned', async () => {
    const dbPath = tempDb();
    const journal = openDecisionJournal({ dbPath });
    const early = decision('early');
    const written = journal.append(early);
    journal.stored([early]);
    await written;
    await journal.close();
    await vi.waitFor(() => expect(journalFiles(dbPath)).toEqual([]));
  });

  it('writes what a crash left in the journal on open, once, and ignores a torn last line', async () => {
    const dbPath = tempDb();
    const first = await openStore({ path: dbPath });
    await first.decisions.persist(decision('kept', 2));
    expect(first.journalReplay).toEqual({ segments: 0, written: 0, rejected: 0 });
    await first.close();
    expect(journalFiles(dbPath)).toEqual([]);
    // What a killed process leaves: one decision already in the table, two that are not, a
    // repeated line and a torn write.
    const segment = `${dbPath}.decisions.4.jsonl`;
    const lost = [decision('lost-1', 3), decision('lost-2', 4)];
    writeFileSync(segment, encodeJournalLine(decision('kept', 2)));
    appendFileSync(segment, lost.map(encodeJournalLine).join('') + encodeJournalLine(lost[0]!));
    appendFileSync(segment, encodeJournalLine(decision('torn', 5)).slice(0, 200));
    const second = await openStore({ path: dbPath });
    try {
      expect(journalFiles(dbPath)).toEqual([]);
      expect(second.journalReplay).toEqual({ segments: 1, written: 2, rejected: 0 });
      const ids = (await second.decisions.list()).map((d) => d.id).sort();
      expect(ids).toEqual(['kept', 'lost-1', 'lost-2']);
      const found = await second.decisions.get({ id: 'lost-2' });
      // The store keeps no prompt text, and the journal held none either.
      expect(found).toEqual({ ok: true, value: { ...storedForm(lost[1]!), promptText: null } });
      // New segments are numbered past the replayed ones.
      await second.decisions.persist(decision('after', 6));
      expect(journalFiles(dbPath)).toEqual(['arbiter.duckdb.decisions.5.jsonl']);
    } finally {
      await second.close();
    }
  });

  it('starts despite a journaled decision the table refuses, and keeps that journal aside', async () => {
    const dbPath = tempDb();
    await (await openStore({ path: dbPath })).close();
    const segment = `${dbPath}.decisions.0.jsonl`;
    const poison = { ...decision('poison', 2), tenant: null } as unknown as DecisionRecord;
    writeFileSync(segment, [decision('good', 3), poison].map(encodeJournalLine).join(''));
    const errors: string[] = [];
    const store = await openStore({
      path: dbPath,
      onBackgroundError: (error) => errors.push(error.message),
    });
    try {
      expect((await store.decisions.list()).map((d) => d.id)).toEqual(['good']);
      expect(store.journalReplay).toEqual({ segments: 1, written: 1, rejected: 1 });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('replay decision poison');
      expect(journalFiles(dbPath)).toEqual(['arbiter.duckdb.decisions.0.jsonl.rejected']);
    } finally {
      await store.close();
    }
  });

  it('holds no prompt text unless the store keeps it', async () => {
    for (const storePromptText of [false, true]) {
      const dbPath = tempDb();
      const store = await openStore({ path: dbPath, storePromptText, flushIntervalMs: 60_000 });
      try {
        await store.decisions.persist(decision(`text-${storePromptText}`));
        const [record] = readJournal(dbPath).records;
        expect(record?.promptText).toBe(storePromptText ? 'What is 2 + 2?' : null);
      } finally {
        await store.close();
      }
    }
  });

  it('is off for an in-memory store, where persist commits to the table', async () => {
    const store = await openStore({ path: ':memory:' });
    try {
      await store.decisions.persist(decision('mem'));
      expect((await store.decisions.list()).map((d) => d.id)).toEqual(['mem']);
    } finally {
      await store.close();
    }
  });
});
