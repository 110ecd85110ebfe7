import GRDB

extension History {
    /// Schema migrations, in order. Never edit a shipped migration: add the next one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, cells, samples") { db in
            try db.execute(sql: """
                CREATE TABLE run (
                    id TEXT PRIMARY KEY NOT NULL,
                    schema_version INTEGER NOT NULL,
                    matrix TEXT NOT NULL,
                    started_at DOUBLE NOT NULL,
                    finished_at DOUBLE,
                    complete BOOLEAN NOT NULL,
                    straitd_sha TEXT,
                    image_hash TEXT,
                    guest_kernel TEXT,
                    qemu_version TEXT,
                    libvirt_version TEXT,
                    accelerator TEXT NOT NULL,
                    accelerator_reason TEXT NOT NULL,
                    host_digest TEXT NOT NULL,
                    host_json TEXT NOT NULL,
                    document_path TEXT
                );
                CREATE INDEX run_matrix ON run(matrix, started_at);
                CREATE TABLE cell_result (
                    run_id TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    cell_id TEXT NOT NULL,
                    backend TEXT NOT NULL,
                    cache TEXT NOT NULL,
                    dax TEXT NOT NULL,
                    processing TEXT,
                    verdict TEXT NOT NULL,
                    reason TEXT,
                    failure_bundle TEXT,
                    PRIMARY KEY (run_id, cell_id)
                );
                CREATE TABLE sample (
                    run_id TEXT NOT NULL,
                    cell_id TEXT NOT NULL,
                    workload TEXT NOT NULL,
                    metric TEXT NOT NULL,
                    repetition INTEGER NOT NULL,
                    value DOUBLE NOT NULL,
                    PRIMARY KEY (run_id, cell_id, workload, metric, repetition),
                    FOREIGN KEY (run_id, cell_id) REFERENCES cell_result(run_id, cell_id) ON DELETE CASCADE
                );
                CREATE INDEX sample_series ON sample(cell_id, workload, metric);
                """)
        }
        migrator.registerMigration("v2: workload verdicts") { db in
            try db.execute(sql: """
                CREATE TABLE workload_verdict (
                    run_id TEXT NOT NULL,
                    cell_id TEXT NOT NULL,
                    workload TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    reason TEXT,
                    PRIMARY KEY (run_id, cell_id, workload),
                    FOREIGN KEY (run_id, cell_id) REFERENCES cell_result(run_id, cell_id) ON DELETE CASCADE
                );
                """)
        }
        return migrator
    }
}
