// The case store's schema and its migrations. The version is `PRAGMA user_version`; each migration
// takes the database from version i to i + 1 and runs in its own write transaction, so a process
// killed while migrating leaves the previous version intact. Append migrations; never edit one that
// has shipped.
import type { Database } from 'better-sqlite3';

export type Migration = (db: Database) => void;

export const MIGRATIONS: readonly Migration[] = [
  // 0 -> 1: hunts, their inputs, findings, the finding <-> hunt link, triage, notes, playbook ticks.
  (db) => db.exec(`
    CREATE TABLE hunts (
      id              INTEGER PRIMARY KEY AUTOINCREMENT,
      started_at      TEXT NOT NULL,
      finished_at     TEXT,
      status          TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete', 'failed')),
      tool_version    TEXT NOT NULL,
      ruleset_version TEXT,
      command_line    TEXT NOT NULL,            -- JSON array of the arguments
      pid             INTEGER NOT NULL,
      host_name       TEXT NOT NULL,
      process_start   TEXT,                     -- identity of the process (Linux: boot id + start ticks)
      files_total     INTEGER,
      files_read      INTEGER,
      events          INTEGER,
      matches         INTEGER,
      findings        INTEGER,
      problems        TEXT,                     -- JSON
      error           TEXT                      -- why the hunt failed or was found incomplete
    );
    CREATE INDEX hunts_status ON hunts (status);

    CREATE TABLE hunt_inputs (
      hunt_id INTEGER NOT NULL REFERENCES hunts (id) ON DELETE CASCADE,
      path    TEXT NOT NULL,
      size    INTEGER,
      sha256  TEXT,
      error   TEXT,
      PRIMARY KEY (hunt_id, path)
    );

    CREATE TABLE findings (
      id            TEXT PRIMARY KEY,
      title         TEXT NOT NULL,
      severity      TEXT NOT NULL CHECK (severity IN ('informational', 'low', 'medium', 'high', 'critical')),
      severity_rank INTEGER NOT NULL,
      confidence    TEXT NOT NULL,
      score         INTEGER NOT NULL,
      host          TEXT,
      first_seen    TEXT,
      last_seen     TEXT,
      count         INTEGER NOT NULL,
      rule_id       TEXT,
      "check"       TEXT,
      data          TEXT NOT NULL,              -- the whole finding, JSON, as the last hunt that saw it wrote it
      recorded_at   TEXT NOT NULL,              -- first written
      updated_at    TEXT NOT NULL               -- last written by a hunt
    ) WITHOUT ROWID;
    CREATE INDEX findings_order ON findings (severity_rank DESC, score DESC, first_seen);
    CREATE INDEX findings_host ON findings (host);
    CREATE INDEX findings_rule ON findings (rule_id);
    CREATE INDEX findings_check ON findings ("check");

    CREATE TABLE finding_techniques (
      finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
      technique  TEXT NOT NULL,
      PRIMARY KEY (finding_id, technique)
    ) WITHOUT ROWID;
    CREATE INDEX finding_techniques_technique ON finding_techniques (technique);

    -- which hunts saw which findings, with what that hunt said of it
    CREATE TABLE finding_hunts (
      finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
      hunt_id    INTEGER NOT NULL REFERENCES hunts (id) ON DELETE CASCADE,
      count      INTEGER NOT NULL,
      first_seen TEXT,
      last_seen  TEXT,
      PRIMARY KEY (finding_id, hunt_id)
    ) WITHOUT ROWID;
    CREATE INDEX finding_hunts_hunt ON finding_hunts (hunt_id);

    -- the current triage state (one row per finding, written by analysts only)
    CREATE TABLE triage (
      finding_id TEXT PRIMARY KEY REFERENCES findings (id) ON DELETE CASCADE,
      state      TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'investigating', 'escalated', 'benign', 'confirmed')),
      changed_at TEXT,
      analyst    TEXT
    ) WITHOUT ROWID;
    CREATE INDEX triage_state ON triage (state);

    CREATE TABLE triage_history (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
      at         TEXT NOT NULL,
      analyst    TEXT NOT NULL,
      from_state TEXT NOT NULL,
      to_state   TEXT NOT NULL,
      note       TEXT
    );
    CREATE INDEX triage_history_finding ON triage_history (finding_id, id);

    CREATE TABLE notes (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
      at         TEXT NOT NULL,
      analyst    TEXT NOT NULL,
      text       TEXT NOT NULL
    );
    CREATE INDEX notes_finding ON notes (finding_id, id);

    -- every tick and untick of a playbook step; the latest row per (finding, step) is the current one
    CREATE TABLE step_ticks (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
      step_id    TEXT NOT NULL,
      done       INTEGER NOT NULL CHECK (done IN (0, 1)),
      at         TEXT NOT NULL,
      analyst    TEXT NOT NULL
    );
    CREATE INDEX step_ticks_finding ON step_ticks (finding_id, step_id, id);
  `),
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
