/// The on-disk layout. One append-only `log` table holds every revision of every key (kine's
/// shape): the latest row of a key is its current value, older rows serve reads at a revision
/// and watch replays, and compaction deletes rows superseded at or below the compacted revision.
enum SQLiteSchema {
    /// Bump when the layout changes, and add a step to `migrations`.
    static let version: Int64 = 1

    static let create = """
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS log (
            revision INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            value BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS log_key_revision ON log(key, revision);
        INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', \(version));
        INSERT OR IGNORE INTO meta(name, value) VALUES ('revision', 0);
        INSERT OR IGNORE INTO meta(name, value) VALUES ('compacted', 0);
        """

    static let readMeta = "SELECT value FROM meta WHERE name = ?1"
    static let writeMeta = "UPDATE meta SET value = ?2 WHERE name = ?1"

    /// The newest row of a key at or below a revision.
    static let latestAt = """
        SELECT revision, create_revision, deleted, value FROM log
        WHERE key = ?1 AND revision <= ?2 ORDER BY revision DESC LIMIT 1
        """

    /// The newest row of a key (writer only: it sees its own uncommitted rows).
    static let latest = """
        SELECT revision, create_revision, deleted, value FROM log
        WHERE key = ?1 ORDER BY revision DESC LIMIT 1
        """

    static let insert = """
        INSERT INTO log(revision, key, create_revision, prev_revision, deleted, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """

    /// One row per key in [?1, ?2) after ?4 (the continue key, or ''): the newest at or below ?3. SQLite fills the bare columns
    /// from the row holding MAX(revision); GROUP BY walks the (key, revision) index in key order,
    /// so the scan stops as soon as the caller has a page.
    static let listRange = """
        SELECT key, MAX(revision), create_revision, deleted, value FROM log
        WHERE key >= ?1 AND key < ?2 AND key > ?4 AND revision <= ?3 GROUP BY key
        """
    static let listFrom = """
        SELECT key, MAX(revision), create_revision, deleted, value FROM log
        WHERE key >= ?1 AND key > ?4 AND revision <= ?3 GROUP BY key
        """

    /// Events in a key range and revision window, each with the row it superseded.
    static let historyRange = """
        SELECT l.revision, l.key, l.create_revision, l.deleted, l.value, p.revision, p.create_revision, p.value
        FROM log l LEFT JOIN log p ON p.revision = l.prev_revision AND l.prev_revision > 0
        WHERE l.revision >= ?1 AND l.revision <= ?2 AND l.key >= ?3 AND l.key < ?4 ORDER BY l.revision
        """
    static let historyFrom = """
        SELECT l.revision, l.key, l.create_revision, l.deleted, l.value, p.revision, p.create_revision, p.value
        FROM log l LEFT JOIN log p ON p.revision = l.prev_revision AND l.prev_revision > 0
        WHERE l.revision >= ?1 AND l.revision <= ?2 AND l.key >= ?3 ORDER BY l.revision
        """

    /// Compaction to ?1: rows superseded at or below it, then tombstones at or below it.
    static let compactSuperseded = """
        DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log WHERE revision <= ?1 AND prev_revision > 0)
        """
    static let compactTombstones = "DELETE FROM log WHERE deleted = 1 AND revision <= ?1"
}
