import ActivityModel
import ActivityQuery
import Foundation

/// The PostgreSQL store's versioned migrations, recorded by name in `actq_migration` (as GRDB's
/// migrator does for SQLite): the first schema, the emulator's shared sessions, then one per
/// filter the filter table adds after the first schema. Concurrent starters take turns (an
/// advisory lock); a database migrated by a newer actq is refused.
public enum PostgresSchema {
    struct Migration: Sendable {
        var name: String
        var statements: @Sendable (PostgresConnector) throws -> Void
    }

    static let migrations: [Migration] = {
        var list = [
            Migration(name: "schema 1") { connector in
                for statement in StoreSchema.firstSchema(.postgresql) { try connector.query(statement) }
            },
            Migration(name: "sessions") { connector in
                for statement in sessionSchema { try connector.query(statement) }
            },
        ]
        for filter in StoreSchema.laterFilters {
            list.append(Migration(name: "column \(filter.spec.column)") { connector in try addColumn(for: filter, connector) })
        }
        return list
    }()

    /// The emulator's sessions, shared by every `actq serve` over the database. `actq_login`
    /// opens one under a per-user lock, so the sessions-per-user limit holds across instances;
    /// times are the server's clock in milliseconds, the same for every instance.
    static let sessionSchema = [
        """
        CREATE TABLE actq_session (
            id TEXT PRIMARY KEY,
            user_name TEXT NOT NULL,
            opened BIGINT NOT NULL,
            last_used BIGINT NOT NULL)
        """,
        "CREATE INDEX actq_session_user ON actq_session(user_name, opened)",
        """
        CREATE FUNCTION actq_now() RETURNS BIGINT LANGUAGE sql VOLATILE AS
        $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$
        """,
        """
        CREATE FUNCTION actq_login(p_user TEXT, p_force BOOLEAN, p_limit BIGINT, p_idle BIGINT, p_id TEXT)
        RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            own BIGINT;
            now_ms BIGINT;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext('actq_session:' || p_user));
            now_ms := actq_now();
            DELETE FROM actq_session WHERE now_ms - last_used >= p_idle;
            SELECT count(*) INTO own FROM actq_session WHERE user_name = p_user;
            IF own >= p_limit THEN
                IF NOT p_force THEN
                    RETURN FALSE;
                END IF;
                DELETE FROM actq_session WHERE id IN (
                    SELECT id FROM actq_session WHERE user_name = p_user ORDER BY opened, id LIMIT own - p_limit + 1);
            END IF;
            INSERT INTO actq_session (id, user_name, opened, last_used) VALUES (p_id, p_user, now_ms, now_ms);
            RETURN TRUE;
        END $$
        """,
    ]

    /// An arbitrary constant: the advisory lock migrations take.
    static let migrationLock: Int64 = 0x6163_7471_6d69_6772

    /// Applies the migrations this database lacks (with `creating`; otherwise a database
    /// without actq's tables is refused as not a store).
    static func migrate(_ reader: PostgresConnector, creating: Bool) throws {
        var connector = reader
        // One round trip when the store is up to date (the common case): its migrations' names.
        var applied: Set<String> = []
        var tracked = true
        do {
            try connector.query("SELECT name FROM actq_migration") { row in applied.insert(try row.makeRandomAccess()[0].decode(String.self)) }
        } catch let failure as PostgresFailure where failure.sqlState == "42P01" {
            tracked = false  // undefined_table: no store here yet
        }
        if tracked {
            let known = Set(migrations.map(\.name))
            if let newer = applied.subtracting(known).sorted().first {
                throw PostgresFailure("\(connector.location) was made by a newer actq (its migration '\(newer)' is unknown here)")
            }
            if applied == known { return }
        } else if !creating {
            let tables = try connector.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()", as: Int64.self) ?? 0
            throw PostgresFailure(tables == 0
                ? "\(connector.location) holds no actq store yet: create one with 'actq import FILE --db URL' or 'actq demo --db URL'"
                : "\(connector.location) is not an actq store (it has tables, but not actq's)")
        }
        // A reader's connection refuses writes: migrations take one of their own.
        if !creating { connector = try PostgresConnector(reader.location) }
        try connector.query("BEGIN")
        do {
            try connector.query("SELECT pg_advisory_xact_lock($1)", [.integer(migrationLock)])
            try connector.query("CREATE TABLE IF NOT EXISTS actq_migration (name TEXT PRIMARY KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now())")
            var applied: Set<String> = []
            try connector.query("SELECT name FROM actq_migration") { row in applied.insert(try row.makeRandomAccess()[0].decode(String.self)) }
            if applied.isEmpty {
                // Someone else's tables in the way of the first schema: not ours to change.
                let activity = try connector.scalar("SELECT to_regclass('activity') IS NOT NULL", as: Bool.self) ?? false
                if activity { throw PostgresFailure("\(connector.location) is not an actq store (it has an activity table, but no actq migrations)") }
            }
            for migration in migrations where !applied.contains(migration.name) {
                try migration.statements(connector)
                try connector.query("INSERT INTO actq_migration (name) VALUES ($1)", [.text(migration.name)])
            }
            try connector.query("COMMIT")
        } catch {
            try? connector.query("ROLLBACK")
            throw error
        }
    }

    /// Adds a later filter's column and index, filled from each stored resource.
    static func addColumn(for filter: FixedFilter, _ connector: PostgresConnector) throws {
        let spec = filter.spec
        try connector.query("ALTER TABLE activity ADD COLUMN \(spec.column) \(SQLDialect.postgresql.columnType(spec.kind))")
        try connector.query(StoreSchema.index(filter, .postgresql))
        var values: [(id: Int64, value: SQLValue)] = []
        try connector.query("SELECT id, resource FROM activity") { row in
            let cells = row.makeRandomAccess()
            let text = try cells[1].decode(String.self)
            guard case .object(let resource)? = try? JSONParser.parse(Array(text.utf8)),
                  let value = try? Activity.value(of: filter, in: resource) else { return }
            switch value {
            case .integer(let number): values.append((try cells[0].decode(Int64.self), .integer(number)))
            case .text(let text): values.append((try cells[0].decode(Int64.self), .text(text)))
            }
        }
        for (id, value) in values {
            try connector.query("UPDATE activity SET \(spec.column) = $1 WHERE id = $2", [value, .integer(id)])
        }
    }
}
